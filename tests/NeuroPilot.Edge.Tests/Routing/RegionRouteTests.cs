using NeuroPilot.Edge.Routing;
using static NeuroPilot.Edge.Tests.Routing.TestRoutes;

namespace NeuroPilot.Edge.Tests.Routing;

public class RegionRouteTests
{
    private const int Picks = 10_000;

    [Fact]
    public void PickDestination_SingleDestination_ReturnsIt()
    {
        var destination = Destination(9001);
        var region = Region("us-east", destination);

        Assert.Same(destination, region.PickDestination());
    }

    [Fact]
    public void PickDestination_SingleDestinationMarkedDown_ReturnsNull() =>
        Assert.Null(Region("us-east", Destination(9001, markedDown: true)).PickDestination());

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void PickDestination_EveryDestinationMarkedDown_ReturnsNull(int count)
    {
        var region = Region("us-east", [.. Enumerable.Range(9001, count).Select(port => Destination(port, markedDown: true))]);

        for (var i = 0; i < 100; i++)
        {
            Assert.Null(region.PickDestination());
        }
    }

    [Fact]
    public void PickDestination_SomeMarkedDown_NeverPicksThemAndUsesEveryOther()
    {
        DestinationState[] destinations = [Destination(9001, markedDown: true), Destination(9002), Destination(9003, markedDown: true), Destination(9004)];
        var region = Region("us-east", destinations);

        var counts = CountPicks(region, Picks);

        Assert.Equal(0, counts.GetValueOrDefault(destinations[0]));
        Assert.Equal(0, counts.GetValueOrDefault(destinations[2]));
        Assert.True(counts.GetValueOrDefault(destinations[1]) > Picks / 4, $"9002 picked {counts.GetValueOrDefault(destinations[1])} times of {Picks}");
        Assert.True(counts.GetValueOrDefault(destinations[3]) > Picks / 4, $"9004 picked {counts.GetValueOrDefault(destinations[3])} times of {Picks}");
    }

    [Fact]
    public void PickDestination_OnlyOneOfManyAvailable_AlwaysPicksIt()
    {
        DestinationState[] destinations = [.. Enumerable.Range(9001, 8).Select(port => Destination(port, markedDown: port != 9006))];
        var region = Region("us-east", destinations);

        for (var i = 0; i < 1_000; i++)
        {
            Assert.Same(destinations[5], region.PickDestination());
        }
    }

    [Theory]
    [InlineData(0, 1, 9001)]
    [InlineData(1, 0, 9001)]
    [InlineData(0, 0, 9001)]
    [InlineData(1, 1, 9002)]
    public void PickDestination_OneBusyOneIdle_TheIdleOneWinsUnlessTheBusyOneIsDrawnTwice(int firstDraw, int secondDraw, int expectedPort)
    {
        var idle = Destination(9001);
        var busy = Destination(9002);
        for (var i = 0; i < 10; i++)
        {
            busy.OnRequestStarted();
        }

        var region = Region("us-east", new ScriptedRandom(firstDraw, secondDraw), idle, busy);

        Assert.Equal(expectedPort, region.PickDestination()!.Url.Port);
    }

    [Fact]
    public void PickUntried_StartsAtTheDrawnDestination_AndSkipsTheTriedOnes()
    {
        DestinationState[] destinations = [Destination(9001), Destination(9002), Destination(9003)];
        var region = Region("us-east", new ScriptedRandom(1, 2, 0), destinations);

        Assert.Same(destinations[1], region.PickUntried(tried: [], requireAvailable: true));
        Assert.Same(destinations[2], region.PickUntried(tried: [destinations[1]], requireAvailable: true));
        Assert.Same(destinations[0], region.PickUntried(tried: [destinations[2]], requireAvailable: true));
    }

    /// <summary>Draws the given values in turn (each below the bound asked for).</summary>
    private sealed class ScriptedRandom(params int[] draws) : Random
    {
        private int _next;

        public override int Next(int maxValue)
        {
            var value = draws[_next++ % draws.Length];
            Assert.InRange(value, 0, maxValue - 1);
            return value;
        }
    }

    [Fact]
    public void PickDestination_BusyOneFinishesItsRequests_IsNoLongerAvoided()
    {
        var first = Destination(9001);
        var second = Destination(9002);
        for (var i = 0; i < 10; i++)
        {
            second.OnRequestStarted();
        }

        for (var i = 0; i < 10; i++)
        {
            second.OnRequestEnded();
        }

        var counts = CountPicks(Region("us-east", first, second), Picks);

        Assert.Equal(0, second.InFlight);
        Assert.True(counts.GetValueOrDefault(second) > Picks / 5, $"the second destination got {counts.GetValueOrDefault(second)} of {Picks} picks");
    }

    private static Dictionary<DestinationState, int> CountPicks(RegionRoute region, int picks)
    {
        var counts = new Dictionary<DestinationState, int>();
        for (var i = 0; i < picks; i++)
        {
            var picked = region.PickDestination();
            Assert.NotNull(picked);
            counts[picked] = counts.GetValueOrDefault(picked) + 1;
        }

        return counts;
    }
}

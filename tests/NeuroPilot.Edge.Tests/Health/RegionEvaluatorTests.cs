using NeuroPilot.Edge.Health;
using static NeuroPilot.Edge.Tests.Routing.TestRoutes;

namespace NeuroPilot.Edge.Tests.Health;

/// <summary>The one decision of region usability: drains, probe health and breakers, MinHealthyDestinations.</summary>
public class RegionEvaluatorTests
{
    [Fact]
    public void Evaluate_EveryRegionUsable_ReturnsThePrimary()
    {
        var service = Service(Region("us-east", Destination(9001)), Region("eu-west", Destination(9002)));

        Assert.Equal("us-east", RegionEvaluator.Evaluate(service).Serving?.Name);
    }

    [Fact]
    public void Evaluate_PrimaryWithEveryDestinationMarkedDown_ReturnsTheNextRegion()
    {
        var service = Service(
            Region("us-east", Destination(9001, markedDown: true), Destination(9002, markedDown: true)),
            Region("eu-west", Destination(9003)),
            Region("ap-south", Destination(9004)));

        Assert.Equal("eu-west", RegionEvaluator.Evaluate(service).Serving?.Name);
    }

    [Fact]
    public void Evaluate_PrimaryWithOneDestinationLeft_StaysOnThePrimary()
    {
        var service = Service(
            Region("us-east", Destination(9001, markedDown: true), Destination(9002)),
            Region("eu-west", Destination(9003)));

        Assert.Equal("us-east", RegionEvaluator.Evaluate(service).Serving?.Name);
    }

    [Fact]
    public void Evaluate_PrimaryDrained_ReturnsTheNextRegion()
    {
        var service = Service(Region("us-east", Destination(9001)), Region("eu-west", Destination(9002)));
        service.Regions[0].State.Drained = true;

        Assert.Equal("eu-west", RegionEvaluator.Evaluate(service).Serving?.Name);
    }

    [Fact]
    public void Evaluate_FirstDrainedSecondDown_ReturnsTheThird()
    {
        var service = Service(
            Region("us-east", Destination(9001)),
            Region("eu-west", Destination(9002, markedDown: true)),
            Region("ap-south", Destination(9003)));
        service.Regions[0].State.Drained = true;

        Assert.Equal("ap-south", RegionEvaluator.Evaluate(service).Serving?.Name);
    }

    [Fact]
    public void Evaluate_PrimaryBackUpAndUndrained_ReturnsThePrimaryAgain()
    {
        var primary = Destination(9001, markedDown: true);
        var service = Service(Region("us-east", primary), Region("eu-west", Destination(9002)));
        service.Regions[0].State.Drained = true;
        Assert.Equal("eu-west", RegionEvaluator.Evaluate(service).Serving?.Name);

        primary.MarkedDown = false;
        service.Regions[0].State.Drained = false;

        Assert.Equal("us-east", RegionEvaluator.Evaluate(service).Serving?.Name);
    }

    [Fact]
    public void Evaluate_EveryRegionDrainedOrDown_ReturnsNull()
    {
        var service = Service(
            Region("us-east", Destination(9001, markedDown: true)),
            Region("eu-west", Destination(9002)));
        service.Regions[1].State.Drained = true;

        Assert.Null(RegionEvaluator.Evaluate(service).Serving);
    }
}

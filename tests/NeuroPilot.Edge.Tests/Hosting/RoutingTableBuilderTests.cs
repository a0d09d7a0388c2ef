using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Hosting;
using NeuroPilot.Edge.Routing;
using static NeuroPilot.Edge.Tests.Routing.TestRoutes;

namespace NeuroPilot.Edge.Tests.Hosting;

public class RoutingTableBuilderTests
{
    private const string Before = """
        {
          "Services": {
            "api": {
              "Regions": [
                { "Name": "us-east", "Destinations": ["http://10.0.0.1:9001", "http://10.0.0.2:9001"] },
                { "Name": "eu-west", "Destinations": ["http://10.0.1.1:9001"] },
              ]
            }
          }
        }
        """;

    /// <summary>
    /// <see cref="Before"/> changed: us-east lost 10.0.0.2 and gained 10.0.0.3 (and writes 10.0.0.1 with a slash),
    /// eu-west is gone, ap-south is new.
    /// </summary>
    private const string After = """
        {
          "Services": {
            "api": {
              "Regions": [
                { "Name": "us-east", "Destinations": ["http://10.0.0.1:9001/", "http://10.0.0.3:9001"] },
                { "Name": "ap-south", "Destinations": ["http://10.0.2.1:9001"] },
              ],
              "RequestTimeout": "30s",
            }
          }
        }
        """;

    private readonly RoutingTableBuilder _builder = Builder();

    [Fact]
    public void Build_DestinationStillConfigured_KeepsTheSameStateWithItsHealthAndLoad()
    {
        var before = Build(Before, previous: null);
        var kept = Destination(before, "us-east", "http://10.0.0.1:9001");
        kept.MarkedDown = true;
        kept.OnRequestStarted();

        var after = Build(After, before);

        var carried = Destination(after, "us-east", "http://10.0.0.1:9001");
        Assert.Same(kept, carried);
        Assert.True(carried.MarkedDown);
        Assert.Equal(1, carried.InFlight);
    }

    [Fact]
    public void Build_RegionStillConfigured_KeepsItsDrainFlag()
    {
        var before = Build(Before, previous: null);
        var state = Region(before, "us-east").State;
        state.Drained = true;

        var after = Build(After, before);

        Assert.Same(state, Region(after, "us-east").State);
        Assert.True(Region(after, "us-east").State.Drained);
    }

    [Fact]
    public void Build_RemovedRegionAndDestination_AreGone()
    {
        var before = Build(Before, previous: null);

        var after = Build(After, before);

        Assert.Equal(["us-east", "ap-south"], after.Services[0].Regions.Select(r => r.Name));
        Assert.Equal(
            [new Uri("http://10.0.0.1:9001"), new Uri("http://10.0.0.3:9001")],
            Region(after, "us-east").Destinations.Select(d => d.Url));
    }

    [Fact]
    public void Build_NewRegionAndDestination_StartFresh()
    {
        var before = Build(Before, previous: null);
        foreach (var region in before.Services[0].Regions)
        {
            region.State.Drained = true;
            foreach (var destination in region.Destinations)
            {
                destination.MarkedDown = true;
            }
        }

        var after = Build(After, before);

        var added = Destination(after, "us-east", "http://10.0.0.3:9001");
        Assert.False(added.MarkedDown);
        Assert.Equal(0, added.InFlight);
        Assert.False(Region(after, "ap-south").State.Drained);
        Assert.False(Destination(after, "ap-south", "http://10.0.2.1:9001").MarkedDown);
    }

    [Fact]
    public void Build_RegionRemovedThenAddedBack_StartsFresh()
    {
        var before = Build(Before, previous: null);
        var oldState = Region(before, "eu-west").State;
        oldState.Drained = true;
        var oldDestination = Destination(before, "eu-west", "http://10.0.1.1:9001");

        var back = Build(Before, Build(After, before));

        Assert.NotSame(oldState, Region(back, "eu-west").State);
        Assert.False(Region(back, "eu-west").State.Drained);
        Assert.NotSame(oldDestination, Destination(back, "eu-west", "http://10.0.1.1:9001"));
    }

    [Fact]
    public void Build_RegionsReordered_KeepTheirStateAndTakeTheNewPriority()
    {
        var before = Build(Before, previous: null);
        var usEast = Destination(before, "us-east", "http://10.0.0.1:9001");
        var euWestState = Region(before, "eu-west").State;

        var after = Build(
            """
            {
              "Services": {
                "api": {
                  "Regions": [
                    { "Name": "EU-WEST", "Destinations": ["http://10.0.1.1:9001"] },
                    { "Name": "us-east", "Destinations": ["http://10.0.0.2:9001", "http://10.0.0.1:9001"] },
                  ]
                }
              }
            }
            """,
            before);

        Assert.Same(euWestState, after.Services[0].Regions[0].State);
        Assert.Equal(0, after.Services[0].Regions[0].Priority);
        Assert.Same(usEast, Destination(after, "us-east", "http://10.0.0.1:9001"));
        Assert.Equal(1, Region(after, "us-east").Priority);
    }

    [Fact]
    public void Build_WithoutPreviousTable_CreatesFreshState()
    {
        var first = Build(Before, previous: null);
        Region(first, "us-east").State.Drained = true;

        var second = Build(Before, previous: null);

        Assert.NotSame(Destination(first, "us-east", "http://10.0.0.1:9001"), Destination(second, "us-east", "http://10.0.0.1:9001"));
        Assert.False(Region(second, "us-east").State.Drained);
    }

    [Fact]
    public void Build_ServiceRenamed_StartsFresh()
    {
        var before = Build(Before, previous: null);

        var after = Build(Before.Replace("\"api\"", "\"web\"", StringComparison.Ordinal), before);

        Assert.Equal("web", after.Services[0].Name);
        Assert.NotSame(Destination(before, "us-east", "http://10.0.0.1:9001"), Destination(after, "us-east", "http://10.0.0.1:9001"));
    }

    [Fact]
    public void Build_ChangedConfig_TableUsesTheNewOptions()
    {
        var before = Build(Before, previous: null);

        var after = Build(After, before);

        Assert.Equal(TimeSpan.FromSeconds(30), after.Services[0].Options.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), after.Services[0].RequestConfig.ActivityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), before.Services[0].Options.RequestTimeout);
    }

    private static RegionRoute Region(RoutingTable table, string name) =>
        Assert.Single(table.Services[0].Regions, r => r.Name == name);

    private static DestinationState Destination(RoutingTable table, string region, string url) =>
        Assert.Single(Region(table, region).Destinations, d => d.Url == new Uri(url));

    private RoutingTable Build(string json, RoutingTable? previous) => _builder.Build(ConfigLoader.Load(json), previous);
}

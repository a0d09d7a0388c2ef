using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Fleet;
using NeuroPilot.Edge.Forwarding;
using NeuroPilot.Edge.Hosting;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;
using static NeuroPilot.Edge.Tests.Configuration.TestConfigs;

namespace NeuroPilot.Edge.Tests.Fleet;

/// <summary>An edge's published view is the health agent's snapshot in words, with "since" kept while nothing changes.</summary>
public class FleetServiceViewTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 3, 0, 0, TimeSpan.Zero);
    private readonly ServiceRoute _api;

    public FleetServiceViewTests()
    {
        var time = new FakeTimeProvider(Start);
        var metrics = new EdgeMetrics(EdgeMetrics.CreateRegistry());
        var table = new RoutingTableBuilder(metrics, new UpstreamClients(), time).Build(ConfigLoader.Load(DesignMinimal), null);
        _api = table.Services[0];
    }

    [Fact]
    public void From_Snapshot_NamesEachRegionInPriorityOrderWithItsReason()
    {
        var view = FleetServiceView.From("edge-1", Health(RegionCondition.TooFewAvailable, RegionCondition.Usable, RegionCondition.Drained), null, Start);

        Assert.Equal(("edge-1", "api"), (view.EdgeId, view.Service));
        Assert.Equal(
            [new FleetRegionView("us-east", false, "0 of 1 destinations available (needs 1)", Start), new FleetRegionView("eu-west", true, "usable", Start), new FleetRegionView("ap-south", false, "drained", Start)],
            view.Regions);
    }

    [Fact]
    public void From_RegionUnchanged_KeepsItsSince_ChangedRegion_IsSinceNow()
    {
        var first = FleetServiceView.From("edge-1", Health(RegionCondition.Usable, RegionCondition.Usable, RegionCondition.Usable), null, Start);
        var later = Start.AddMinutes(5);

        var second = FleetServiceView.From("edge-1", Health(RegionCondition.TooFewAvailable, RegionCondition.Usable, RegionCondition.Usable), first, later);

        Assert.Equal([later, Start, Start], second.Regions.Select(r => r.Since));
        Assert.Equal(later, second.PublishedAt);
        Assert.False(second.SameRegionsAs(first));
        Assert.True(FleetServiceView.From("edge-1", Health(RegionCondition.TooFewAvailable, RegionCondition.Usable, RegionCondition.Usable), second, later.AddMinutes(1)).SameRegionsAs(second));
    }

    private ServiceHealth Health(params RegionCondition[] conditions) =>
        new(_api, [.. conditions.Select((c, i) => new RegionHealth(_api.Regions[i], c, c == RegionCondition.TooFewAvailable ? 0 : 1))]);
}

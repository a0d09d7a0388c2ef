using NeuroPilot.Edge.LoadTests.Spike;

namespace NeuroPilot.Edge.LoadTests.Tests.Spike;

public class ShedCountersTests
{
    private const string Metrics = """
        # HELP neuropilot_edge_requests_shed_total Requests the edge answered itself under its limits.
        # TYPE neuropilot_edge_requests_shed_total counter
        neuropilot_edge_requests_shed_total{service="api",reason="over_capacity"} 1200
        neuropilot_edge_requests_shed_total{reason="rate_limited",service="api"} 35 1700000000000
        neuropilot_edge_requests_shed_total{service="other",reason="over_capacity"} 7
        neuropilot_edge_requests_shed_total{service="api",reason="queue_timeout"} 3e+00
        neuropilot_edge_requests_shed_total_created{service="api",reason="over_capacity"} 1700000000
        neuropilot_edge_requests_total{service="api",region="us-east",code="200"} 5000
        """;

    [Fact]
    public void Parse_ShedSeriesOfTheService_SumsThemByReason()
    {
        var counters = ShedCounters.Parse(Metrics, "api");

        Assert.Equal(new Dictionary<string, double> { ["over_capacity"] = 1200, ["queue_timeout"] = 3, ["rate_limited"] = 35 }, counters);
    }

    [Fact]
    public void Parse_NoShedSeries_IsEmpty()
    {
        Assert.Empty(ShedCounters.Parse("neuropilot_edge_requests_total{service=\"api\",region=\"us-east\",code=\"200\"} 5000\n", "api"));
    }

    [Fact]
    public void Delta_BetweenTwoScrapes_IsWhatWasAddedByReason()
    {
        var delta = ShedCounters.Delta(
            new Dictionary<string, double> { ["over_capacity"] = 10 },
            new Dictionary<string, double> { ["over_capacity"] = 25, ["rate_limited"] = 4 });

        Assert.Equal(new Dictionary<string, double> { ["over_capacity"] = 15, ["rate_limited"] = 4 }, delta);
        Assert.Null(ShedCounters.Delta(null, new Dictionary<string, double>()));
    }
}

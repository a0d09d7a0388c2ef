using System.Text;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Tests.Telemetry;

/// <summary>
/// The per-destination series written at a scrape: the same families, labels, types and buckets the prometheus-net
/// series had, in the text format (promtool-clean, checked live by the deploy tests).
/// </summary>
public sealed class DestinationSeriesSetTests
{
    [Fact]
    public async Task WriteAsync_ProbesObserved_WritesCumulativeBucketsSumCountAndCounters()
    {
        var set = new DestinationSeriesSet();
        var series = set.For("api", "us-east", "http://10.0.0.1:8080");
        series.ObserveProbe(TimeSpan.FromMilliseconds(3), success: true);
        series.ObserveProbe(TimeSpan.FromMilliseconds(40), success: true);
        series.ObserveProbe(TimeSpan.FromSeconds(60), success: false);

        var text = await Text(set);

        const string labels = "service=\"api\",region=\"us-east\",destination=\"http://10.0.0.1:8080\"";
        Assert.Contains("# TYPE neuropilot_edge_probe_duration_seconds histogram\n", text);
        Assert.Contains($"neuropilot_edge_probe_duration_seconds_bucket{{{labels},le=\"0.0025\"}} 0\n", text);
        Assert.Contains($"neuropilot_edge_probe_duration_seconds_bucket{{{labels},le=\"0.005\"}} 1\n", text);
        Assert.Contains($"neuropilot_edge_probe_duration_seconds_bucket{{{labels},le=\"0.05\"}} 2\n", text);
        Assert.Contains($"neuropilot_edge_probe_duration_seconds_bucket{{{labels},le=\"30\"}} 2\n", text);
        Assert.Contains($"neuropilot_edge_probe_duration_seconds_bucket{{{labels},le=\"+Inf\"}} 3\n", text);
        Assert.Contains($"neuropilot_edge_probe_duration_seconds_sum{{{labels}}} 60.043\n", text);
        Assert.Contains($"neuropilot_edge_probe_duration_seconds_count{{{labels}}} 3\n", text);
        Assert.Contains($"neuropilot_edge_probes_total{{{labels},result=\"success\"}} 2\n", text);
        Assert.Contains($"neuropilot_edge_probes_total{{{labels},result=\"failure\"}} 1\n", text);
    }

    [Fact]
    public async Task WriteAsync_GaugesSet_WritesThemAndNothingUnwritten()
    {
        var set = new DestinationSeriesSet();
        var series = set.For("api", "eu-west", "http://10.0.0.2");
        series.SetHealthy(false);
        series.SetCircuit(2);
        set.For("api", "eu-west", "http://10.0.0.3");

        var text = await Text(set);

        Assert.Contains("neuropilot_edge_destination_healthy{service=\"api\",region=\"eu-west\",destination=\"http://10.0.0.2\"} 0\n", text);
        Assert.Contains("neuropilot_edge_circuit_state{service=\"api\",region=\"eu-west\",destination=\"http://10.0.0.2\"} 2\n", text);
        Assert.DoesNotContain("10.0.0.3", text);
        Assert.DoesNotContain("neuropilot_edge_probes_total{", text);
    }

    [Fact]
    public async Task WriteAsync_LabelWithQuoteAndBackslash_IsEscaped()
    {
        var set = new DestinationSeriesSet();
        set.For("api", "r\"1", "http://h/a\\b").SetHealthy(true);

        var text = await Text(set);

        Assert.Contains("region=\"r\\\"1\",destination=\"http://h/a\\\\b\"} 1\n", text);
    }

    [Fact]
    public async Task WriteAsync_ThousandsOfDestinations_WritesEveryOneAcrossFlushes()
    {
        var set = new DestinationSeriesSet();
        for (var i = 0; i < 3000; i++)
        {
            var series = set.For("api", "r", $"http://127.0.{i / 250}.{i % 250}:80");
            series.SetHealthy(true);
            series.ObserveProbe(TimeSpan.FromMilliseconds(1), success: true);
        }

        var lines = (await Text(set)).Split('\n');

        Assert.Equal(3000, lines.Count(l => l.StartsWith("neuropilot_edge_destination_healthy{", StringComparison.Ordinal)));
        Assert.Equal(3000 * 16, lines.Count(l => l.StartsWith("neuropilot_edge_probe_duration_seconds_bucket{", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Forget_RemovesEverySeriesOfTheDestination()
    {
        var set = new DestinationSeriesSet();
        set.For("api", "r", "http://10.0.0.9").SetHealthy(true);

        set.Forget("api", "r", "http://10.0.0.9");

        Assert.DoesNotContain("10.0.0.9", await Text(set));
    }

    private static async Task<string> Text(DestinationSeriesSet set)
    {
        using var stream = new MemoryStream();
        await set.WriteAsync(stream, CancellationToken.None);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}

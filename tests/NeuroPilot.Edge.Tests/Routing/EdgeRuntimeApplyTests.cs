using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Forwarding;
using NeuroPilot.Edge.Hosting;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;
using NeuroPilot.Edge.Tests.Dns;

namespace NeuroPilot.Edge.Tests.Routing;

/// <summary>
/// Applying a config: the same text again is "unchanged" (nothing rebuilt), any other text is loaded; a reload that changes
/// a key read only at start applies the rest and says, once, which keys need a restart.
/// </summary>
public sealed class EdgeRuntimeApplyTests
{
    [Fact]
    public void Apply_SameTextAgain_IsUnchangedAndKeepsTheTable()
    {
        var json = Config("{}");
        var (runtime, _) = Start(json);
        var table = runtime.Table;

        Assert.Equal(ReloadResult.Unchanged, runtime.Apply(json, "test"));

        Assert.Same(table, runtime.Table);
    }

    [Fact]
    public void Apply_TextDiffersOnlyInWhitespace_IsApplied()
    {
        var json = Config("{}");
        var (runtime, _) = Start(json);

        Assert.Equal(ReloadResult.Applied, runtime.Apply(json + "\n", "test"));
        Assert.Equal(ReloadResult.Unchanged, runtime.Apply(json + "\n", "test"));
    }

    [Fact]
    public void Apply_RejectedTextThenTheAppliedOneAgain_IsUnchanged()
    {
        var json = Config("{}");
        var (runtime, _) = Start(json);

        Assert.Equal(ReloadResult.Rejected, runtime.Apply(Config("""{ "Engine": "turbo" }"""), "test"));
        Assert.Equal(ReloadResult.Unchanged, runtime.Apply(json, "test"));
    }

    [Theory]
    [InlineData("""{ "Scheduling": "threadpool" }""", "Edge.Scheduling / Edge.EventThreads")]
    [InlineData("""{ "EventThreads": 1 }""", "Edge.Scheduling / Edge.EventThreads")]
    [InlineData("""{ "Limits": { "MaxConnections": 5 } }""", "Edge.Limits")]
    [InlineData("""{ "Logging": { "Level": "Debug" } }""", "Edge.Logging / Edge.AccessLog")]
    public void Apply_RestartOnlyKeyChanged_AppliesAndNamesTheKeys(string edge, string keys)
    {
        var (runtime, log) = Start(Config("{}"));

        Assert.Equal(ReloadResult.Applied, runtime.Apply(Config(edge), "test"));

        var line = Assert.Single(log.Lines, l => l.Level == LogLevel.Warning);
        Assert.Equal($"Config changes to {keys} take effect only after a restart", line.Text);
    }

    [Fact]
    public void Apply_OnlyReloadableKeysChanged_WarnsNothing()
    {
        var (runtime, log) = Start(Config("{}"));

        Assert.Equal(ReloadResult.Applied, runtime.Apply(Config("""{ "Engine": "yarp" }"""), "test"));

        Assert.DoesNotContain(log.Lines, l => l.Level == LogLevel.Warning);
        Assert.Equal(ForwardingEngine.Yarp, runtime.Config.Edge.Engine);
    }

    private static (EdgeRuntime Runtime, CapturingLogger<EdgeRuntime> Log) Start(string json)
    {
        var time = new FakeTimeProvider();
        var metrics = new EdgeMetrics(EdgeMetrics.CreateRegistry());
        var log = new CapturingLogger<EdgeRuntime>();
        var runtime = new EdgeRuntime(
            null, ConfigLoader.Load(json, EdgeConfigChecks.All), json, new RoutingTableBuilder(metrics, new UpstreamClients(), time).Build,
            EdgeConfigChecks.All, metrics, time, log);
        return (runtime, log);
    }

    private static string Config(string edge) => $$"""
        { "Edge": {{edge}},
          "Services": { "api": { "Regions": [ { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001"] } ] } } }
        """;
}

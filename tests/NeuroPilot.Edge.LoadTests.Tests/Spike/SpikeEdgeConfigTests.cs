using System.Text.Json.Nodes;
using NeuroPilot.Edge.LoadTests.Spike;
using NeuroPilot.Edge.LoadTests.Tests.TestKit;

namespace NeuroPilot.Edge.LoadTests.Tests.Spike;

public class SpikeEdgeConfigTests
{
    [Fact]
    public void Build_WithLimits_WritesThemUnderTheServiceAndTheEdge()
    {
        var limits = new SpikeLimits
        {
            MaxInFlight = 32,
            MaxQueue = 8,
            QueueTimeout = TimeSpan.FromMilliseconds(250),
            RateLimitPerClient = 100,
            MaxConnections = 500,
        };

        var config = Parse(SpikeEdgeConfig.Build(8080, 9901, [9001, 9002], limits, extra: null));

        var serviceLimits = config["Services"]!["api"]!["Limits"]!;
        Assert.Equal(32, (int)serviceLimits["MaxInFlight"]!);
        Assert.Equal(8, (int)serviceLimits["MaxQueue"]!);
        Assert.Equal("250ms", (string)serviceLimits["QueueTimeout"]!);
        Assert.Equal(100, (int)serviceLimits["RateLimit"]!["PerClient"]!);
        Assert.Equal(100, (int)serviceLimits["RateLimit"]!["Burst"]!);
        Assert.Equal(500, (int)config["Edge"]!["Limits"]!["MaxConnections"]!);
        Assert.Equal(["http://127.0.0.1:9001", "http://127.0.0.1:9002"], config["Services"]!["api"]!["Regions"]![0]!["Destinations"]!.AsArray().Select(d => (string)d!));
        Assert.Equal("http://127.0.0.1:8080", (string)config["Edge"]!["Listen"]![0]!);
    }

    [Fact]
    public void Build_LimitsOnWithoutAnyLimitGiven_WritesTheDefaultMaxInFlight()
    {
        var config = Parse(SpikeEdgeConfig.Build(8080, 9901, [9001], new SpikeLimits(), extra: null));

        Assert.Equal(SpikeLimits.DefaultMaxInFlight, (int)config["Services"]!["api"]!["Limits"]!["MaxInFlight"]!);
        Assert.Null(config["Edge"]!["Limits"]);
    }

    [Fact]
    public void Build_ExtraFragment_MergesKeyByKeyIgnoringCase()
    {
        var extra = SpikeEdgeConfig.ParseExtra("""{ "services": { "API": { "limits": { "MaxQueue": 4 } } }, "Edge": { "Limits": { "MaxConnections": 50 } }, }""");

        var json = SpikeEdgeConfig.Build(8080, 9901, [9001], new SpikeLimits { MaxInFlight = 16 }, extra);
        var config = Parse(json);

        var serviceLimits = config["Services"]!["api"]!["Limits"]!.AsObject();
        Assert.Equal(16, (int)serviceLimits["MaxInFlight"]!);
        Assert.Equal(4, (int)serviceLimits["MaxQueue"]!);
        Assert.Single(config.AsObject(), p => p.Key.Equals("services", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(50, (int)config["Edge"]!["Limits"]!["MaxConnections"]!);
        Assert.Equal("""{"Edge":{"Limits":{"MaxConnections":50}},"Services":{"api":{"Limits":{"MaxInFlight":16,"MaxQueue":4}}}}""", SpikeEdgeConfig.LimitsOf(json)!.ToJsonString());
    }

    [Fact]
    public void Build_LimitsOff_HasNoLimitsSectionEvenWhenTheExtraFragmentBringsOne()
    {
        var extra = SpikeEdgeConfig.ParseExtra("""{"Services": {"api": {"Limits": {"MaxInFlight": 4}}}, "Edge": {"Limits": {"MaxConnections": 50}, "DrainTimeout": "3s"}}""");

        var json = SpikeEdgeConfig.Build(8080, 9901, [9001], new SpikeLimits { Enabled = false, MaxInFlight = 16, MaxConnections = 10 }, extra);

        Assert.DoesNotContain("Limits", json, StringComparison.OrdinalIgnoreCase);
        Assert.Null(SpikeEdgeConfig.LimitsOf(json));
        Assert.Equal("3s", (string)Parse(json)["Edge"]!["DrainTimeout"]!);
    }

    [Fact]
    public void ParseExtra_PathOfAFile_ReadsTheFile()
    {
        using var directory = new TempDirectory();
        File.WriteAllText(directory.Combine("extra.json"), "// a comment\n{\"Services\": {\"api\": {\"Limits\": {\"MaxInFlight\": 2}}}}");

        var extra = SpikeEdgeConfig.ParseExtra(directory.Combine("extra.json"));

        Assert.Equal(2, (int)extra["Services"]!["api"]!["Limits"]!["MaxInFlight"]!);
    }

    [Theory]
    [InlineData("[1, 2]", "is not a JSON object")]
    [InlineData("{\"Services\": ", "is not valid JSON")]
    [InlineData("/nonexistent/extra.json", "neither inline JSON nor a readable file")]
    public void ParseExtra_NotAJsonObject_IsRejectedWithTheReason(string text, string message)
    {
        var error = Assert.Throws<FormatException>(() => SpikeEdgeConfig.ParseExtra(text));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    private static JsonNode Parse(string json) => JsonNode.Parse(json)!;
}

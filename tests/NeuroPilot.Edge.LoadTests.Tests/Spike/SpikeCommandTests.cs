using System.Text.Json;
using NeuroPilot.Edge.LoadTests.Tests.Drill;
using NeuroPilot.Edge.LoadTests.Tests.TestKit;

namespace NeuroPilot.Edge.LoadTests.Tests.Spike;

/// <summary>
/// <c>drill spike</c> against the real edge and a real upstream process on loopback (the drill starts and stops
/// them itself). Each drill is bounded by its phases plus a few seconds of start-up and grace.
/// </summary>
public class SpikeCommandTests
{
    public static TheoryData<string[], string> BadArguments => new()
    {
        { ["spike"], "--edge is required" },
        { ["spike", "--edge", "/nonexistent/neuropilot-edge"], "no such file" },
        { ["spike", "--edge", "EDGE", "--limits", "maybe"], "use on or off" },
        { ["spike", "--edge", "EDGE", "--spike-factor", "0"], "is not a factor" },
        { ["spike", "--edge", "EDGE", "--rate", "100k", "--spike-factor", "100"], "is more than 1000000 req/s" },
        { ["spike", "--edge", "EDGE", "--clients", "300"], "--clients 300" },
        { ["spike", "--edge", "EDGE", "--clients", "8", "--connections", "4"], "fewer than --clients 8" },
        { ["spike", "--edge", "EDGE", "--budget", "rss=lots"], "the limit \"lots\" of rss" },
        { ["spike", "--edge", "EDGE", "--budget", "failover-time=2s"], "unknown figure \"failover-time\"" },
        { ["spike", "--edge", "EDGE", "--config-extra", "{\"Services\": "], "is not valid JSON" },
        { ["spike", "--edge", "EDGE", "--config-extra", "[1]"], "is not a JSON object" },
        { ["spike", "--edge", "EDGE", "--rate-limit-burst", "5"], "need --rate-limit N" },
        { ["spike", "--edge", "EDGE", "--path", "x"], "must start with /" },
        { ["spike", "--edge", "EDGE", "--baseline", "0s"], "must be more than zero" },
        { ["spike", "--edge", "EDGE", "--header", "Content-Length: 5"], "is set by the harness" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public async Task DrillSpike_BadArguments_ExitTwoBeforeStartingAnything(string[] args, string message)
    {
        var result = await CommandLine.RunAsync(["drill", .. args.Select(a => a == "EDGE" ? EdgeBinary.Path : a)]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("edge on 127.0.0.1", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DrillSpikeHelp_DescribesThePhasesTheLimitsAndTheBudgets()
    {
        var result = await CommandLine.RunAsync("drill", "spike", "--help");

        Assert.Equal(0, result.ExitCode);
        foreach (var text in new[] { "--spike-factor F", "--limits on|off", "--max-in-flight N", "--rate-limit N", "--clients N", "--config-extra JSON", "p99-admitted", "recovery-time", "rss", "shed-baseline", "Exit codes" })
        {
            Assert.Contains(text, result.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task DrillHelp_NamesTheSpikeDrill()
    {
        var result = await CommandLine.RunAsync("drill", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("drill spike --help", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DrillSpike_LimitsOn_ShedsTheSpikeWith429And503AndReportsEveryPhase()
    {
        using var directory = new TempDirectory();

        // 20 ms upstream: the baseline (100 req/s, 4 clients) keeps about 2 requests in flight, under MaxInFlight 8;
        // the spike (1,000 req/s, 250 per client) is over each client's 100 req/s (429), and what passes the rate
        // limit still needs more than 8 + 2 slots (503).
        var result = await CommandLine.RunAsync(
            "drill", "spike", "--edge", EdgeBinary.Path, "--rate", "100", "--spike-factor", "10",
            "--baseline", "2s", "--spike", "2s", "--after", "3s", "--warmup", "1s", "--path", "/delay?ms=20",
            "--max-in-flight", "8", "--max-queue", "2", "--rate-limit", "100", "--clients", "4", "--connections", "64",
            "--recovery-p99", "250ms", "--report", directory.Path,
            "--budget", "p99-admitted=3s", "--budget", "recovery-time=2500ms", "--budget", "rss=500MiB", "--budget", "failed=5%");

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var file in new[] { "summary.json", "summary.md", "report.html", "latency.hgrm", "latency-admitted.hgrm", "edge.json", "edge.log" })
        {
            Assert.True(File.Exists(directory.Combine(file)), $"{file} is missing");
        }

        using var json = JsonDocument.Parse(File.ReadAllText(directory.Combine("summary.json")));
        var spike = json.RootElement.GetProperty("spike");
        Assert.Equal("on", spike.GetProperty("limits").GetString());
        Assert.Equal(8, spike.GetProperty("limits_config").GetProperty("Services").GetProperty("api").GetProperty("Limits").GetProperty("MaxInFlight").GetInt32());
        var phases = spike.GetProperty("phases").EnumerateArray().ToList();
        Assert.Equal(["baseline", "spike", "after"], phases.Select(p => p.GetProperty("name").GetString()));
        Assert.Equal([200L, 2000L, 300L], phases.Select(p => p.GetProperty("scheduled").GetInt64()));

        var burst = phases[1];
        Assert.True(burst.GetProperty("shed_429").GetInt64() > 500, burst.ToString());
        Assert.True(burst.GetProperty("shed_503").GetInt64() > 0, burst.ToString());
        Assert.True(burst.GetProperty("goodput").GetDouble() > 100, burst.ToString());
        Assert.All(phases, p => Assert.True(p.GetProperty("rss_peak_bytes").GetInt64() > 1 << 20, p.ToString()));
        Assert.All(phases, p => Assert.True(p.GetProperty("cpu_s").GetDouble() > 0, p.ToString()));
        // The kernel's high-water mark is not below the peak we sampled, give or take its lazily updated per-CPU RSS
        // counters (seen: VmHWM one 4 KiB page under a VmRSS sample); 1 MiB of slack, far below any real disagreement.
        Assert.True(spike.GetProperty("rss_hwm_bytes").GetInt64() >= spike.GetProperty("rss_peak_bytes").GetInt64() - (1 << 20), spike.ToString());

        // The edge counted the same 429s the harness saw (each client stays under its rate during the warm-up).
        var shed429 = phases.Sum(p => p.GetProperty("shed_429").GetInt64());
        Assert.Equal(shed429, spike.GetProperty("edge_shed_total").GetProperty("rate_limited").GetInt64());
        Assert.Equal(28, spike.GetProperty("windows").GetArrayLength());

        Assert.Contains("| spike (2s) | 1,000 req/s |", result.Output, StringComparison.Ordinal);
        Assert.Contains("Recovery after the spike", result.Output, StringComparison.Ordinal);
        var html = File.ReadAllText(directory.Combine("report.html"));
        HtmlAssert.SelfContained(html, minimumCharts: 8);
        Assert.Contains("Admitted latency per 250 ms window", html, StringComparison.Ordinal);
        Assert.Contains("Edge resident memory", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DrillSpike_LimitsOff_RunsWithoutAnyLimitsSectionAndShedsNothing()
    {
        using var directory = new TempDirectory();

        var result = await CommandLine.RunAsync(
            "drill", "spike", "--edge", EdgeBinary.Path, "--rate", "50", "--spike-factor", "4", "--baseline", "1s", "--spike", "1s", "--after", "1s",
            "--limits", "off", "--max-in-flight", "1", "--config-extra", """{"Services": {"api": {"Limits": {"MaxInFlight": 1}}}}""",
            "--connections", "16", "--report", directory.Path, "--budget", "failed=0", "--budget", "shed-baseline=0");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("Limits", File.ReadAllText(directory.Combine("edge.json")), StringComparison.OrdinalIgnoreCase);
        using var json = JsonDocument.Parse(File.ReadAllText(directory.Combine("summary.json")));
        var spike = json.RootElement.GetProperty("spike");
        Assert.Equal("off", spike.GetProperty("limits").GetString());
        Assert.Equal(JsonValueKind.Null, spike.GetProperty("limits_config").ValueKind);
        Assert.Equal(0, spike.GetProperty("shed_429").GetInt64() + spike.GetProperty("shed_503").GetInt64());
        Assert.Equal(50 + 200 + 50, spike.GetProperty("ok").GetInt64());
        Assert.Contains("none (no Limits section)", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DrillSpike_ImpossibleRssBudget_IsBreached()
    {
        var result = await CommandLine.RunAsync(
            "drill", "spike", "--edge", EdgeBinary.Path, "--rate", "50", "--spike-factor", "2", "--baseline", "1s", "--spike", "1s", "--after", "1s",
            "--max-in-flight", "16", "--connections", "16", "--budget", "rss=1MiB", "--budget", "failed=100%");

        Assert.True(result.ExitCode == 99, result.ToString());
        Assert.Contains("| rss | 1.0 MiB |", result.Output, StringComparison.Ordinal);
        Assert.Contains("**BREACHED**", result.Output, StringComparison.Ordinal);
    }
}

using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// Config reloads under steady load: a valid new config takes over without a failed request, an invalid one is
/// rejected with the same messages as <c>check</c> while the running config keeps serving.
/// </summary>
public sealed class ReloadTests(ITestOutputHelper output)
{
    private const int RequestsPerSecond = 200;
    private static readonly TimeSpan LoadBound = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SwitchBudget = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Reload_ChangingHealthCheckSettingsWhilePrimaryIsDown_KeepsTrafficOffTheDeadPrimary()
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west", "ap-south");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        var fast = "\"CircuitBreaker\": { \"ConsecutiveFailures\": 1000, \"MinimumThroughput\": 1000000 }";
        string Config(string interval) => EdgeConfigText.SingleService(proxyPort, adminPort, upstreams.All, serviceExtras: fast)
            .Replace("\"Interval\": \"00:00:10\"", $"\"Interval\": \"{interval}\", \"FastInterval\": \"00:00:01\"", StringComparison.Ordinal);
        using var edge = await EdgeProcess.StartAsync(Config("00:00:10"));
        await upstreams["us-east"].KillAsync();
        await Eventually.WaitUntilAsync(
            async () => (await edge.GetStatusJsonAsync()).GetProperty("services")[0].GetProperty("regions")[0].GetProperty("destinations")[0].GetProperty("health").GetString() == "down",
            TimeSpan.FromSeconds(15),
            "probes to take the killed primary down");

        edge.RewriteConfig(Config("00:00:20"));
        await edge.Output.WaitForStderrAsync("Config applied", Deadline);

        // Non-idempotent POSTs are never retried: one sent to the dead primary would fail.
        using var client = edge.CreateClient();
        var statuses = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await client.PostAsync("/orders", new StringContent("{}"));
            statuses.Add((int)response.StatusCode);
        }

        var health = (await edge.GetStatusJsonAsync()).GetProperty("services")[0].GetProperty("regions")[0].GetProperty("destinations")[0].GetProperty("health").GetString();
        output.WriteLine($"after a reload with new probe settings: us-east {health}; POSTs {string.Join(", ", statuses)}");
        Assert.Equal("down", health);
        Assert.All(statuses, status => Assert.Equal(200, status));
    }

    [Fact]
    public async Task Reload_AtomicRewriteThenInvalidFileUnderLoad_SwitchesOrderWithoutFailuresAndRejectsTheBadFile()
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west", "ap-south");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        var (usEast, euWest, apSouth) = (upstreams["us-east"], upstreams["eu-west"], upstreams["ap-south"]);
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(proxyPort, adminPort, [usEast, euWest, apSouth]));
        await using var load = SteadyLoad.Start(edge.ProxyUrl, RequestsPerSecond, LoadBound);
        await Eventually.WaitUntilAsync(() => load.CountByRegion(TimeSpan.Zero, TimeSpan.MaxValue).GetValueOrDefault("us-east") >= 100, Deadline, "100 answers from us-east");

        // A valid config with the regions swapped: eu-west is now the primary.
        var rewrittenAt = load.Elapsed;
        edge.RewriteConfig(EdgeConfigText.SingleService(proxyPort, adminPort, [euWest, usEast, apSouth]));
        await Eventually.WaitUntilAsync(() => load.FirstResponseFrom("eu-west", rewrittenAt) is not null, Deadline, "an answer from eu-west after the rewrite");
        var switchTime = load.FirstResponseFrom("eu-west", rewrittenAt)!.Value - rewrittenAt;
        output.WriteLine($"atomic rewrite: first answer from the new primary eu-west {switchTime.TotalMilliseconds:0} ms after the rewrite");
        Assert.True(switchTime <= SwitchBudget, $"the new region order served only {switchTime.TotalMilliseconds:0} ms after the rewrite (budget {SwitchBudget.TotalMilliseconds} ms)");

        // An invalid config: rejected with the path of the bad value, and eu-west keeps serving.
        var invalidAt = load.Elapsed;
        edge.RewriteConfig(EdgeConfigText.SingleService(proxyPort, adminPort, [euWest, usEast, apSouth]).Replace(euWest.Destination, "htp://x", StringComparison.Ordinal));
        await edge.Output.WaitForStderrAsync("Services.api.Regions[0].Destinations[0]", Deadline);
        var rejectedAt = load.Elapsed;
        output.WriteLine($"invalid file: rejected {(rejectedAt - invalidAt).TotalMilliseconds:0} ms after the rewrite; stderr:\n{string.Join('\n', edge.Output.StderrLines.Where(l => l.Contains("Config", StringComparison.Ordinal)))}");
        await Eventually.WaitUntilAsync(() => load.SentAfter(rejectedAt).Count >= RequestsPerSecond / 2, Deadline, "half a second of answers after the rejection");
        await load.StopAsync();

        output.WriteLine(load.Summary());
        output.WriteLine(load.FormatTimeline(TimeSpan.FromMilliseconds(500)));
        Assert.Equal(0, load.Failed);
        Assert.All(load.Samples.Where(s => s.CompletedAt > rejectedAt), s => Assert.Equal("eu-west", s.Region));
        Assert.Equal("eu-west", (await edge.GetStatusJsonAsync()).GetProperty("services")[0].GetProperty("serving_region").GetString());
    }

    [Fact]
    public async Task Reload_SighupAfterInPlaceRewriteTheWatcherCannotSee_SwitchesOrderWithoutFailures()
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        var (usEast, euWest) = (upstreams["us-east"], upstreams["eu-west"]);

        // The config is reached through a symlink: writes to its target make no event where the edge watches,
        // so only SIGHUP can apply them.
        using var edge = await EdgeProcess.StartAsync(
            EdgeConfigText.SingleService(proxyPort, adminPort, [usEast, euWest]), hideConfigWritesFromWatcher: true);
        await using var load = SteadyLoad.Start(edge.ProxyUrl, RequestsPerSecond, LoadBound);
        await Eventually.WaitUntilAsync(() => load.Total >= 100, Deadline, "100 answers");

        edge.RewriteConfigInPlace(EdgeConfigText.SingleService(proxyPort, adminPort, [euWest, usEast]));
        var signalledAt = load.Elapsed;
        edge.SendSignal(UnixSignal.SIGHUP);
        await Eventually.WaitUntilAsync(() => load.FirstResponseFrom("eu-west", signalledAt) is not null, Deadline, "an answer from eu-west after SIGHUP");
        var switchTime = load.FirstResponseFrom("eu-west", signalledAt)!.Value - signalledAt;
        output.WriteLine($"SIGHUP: first answer from the new primary eu-west {switchTime.TotalMilliseconds:0} ms after the signal");
        await Eventually.WaitUntilAsync(() => load.SentAfter(signalledAt + switchTime).Count >= RequestsPerSecond / 2, Deadline, "half a second of answers after the switch");
        await load.StopAsync();

        output.WriteLine(load.Summary());
        Assert.Equal(0, load.Failed);
        Assert.True(switchTime <= SwitchBudget, $"the new region order served only {switchTime.TotalMilliseconds:0} ms after SIGHUP");
        Assert.True(edge.Output.StderrContains("Config applied (SIGHUP)"), $"no \"Config applied (SIGHUP)\" line\n{edge.Output.Stderr}");
    }

    [Fact]
    public async Task Reload_InPlaceRewriteUnderLoad_IsPickedUpByTheFileWatcherWithoutFailures()
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        var (usEast, euWest) = (upstreams["us-east"], upstreams["eu-west"]);
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(proxyPort, adminPort, [usEast, euWest]));
        await using var load = SteadyLoad.Start(edge.ProxyUrl, RequestsPerSecond, LoadBound);
        await Eventually.WaitUntilAsync(() => load.Total >= 100, Deadline, "100 answers");

        var rewrittenAt = load.Elapsed;
        edge.RewriteConfigInPlace(EdgeConfigText.SingleService(proxyPort, adminPort, [euWest, usEast]));
        await Eventually.WaitUntilAsync(() => load.FirstResponseFrom("eu-west", rewrittenAt) is not null, Deadline, "an answer from eu-west after the in-place rewrite");
        var switchTime = load.FirstResponseFrom("eu-west", rewrittenAt)!.Value - rewrittenAt;
        output.WriteLine($"in-place rewrite: first answer from the new primary eu-west {switchTime.TotalMilliseconds:0} ms after the rewrite");
        await Eventually.WaitUntilAsync(() => load.SentAfter(rewrittenAt + switchTime).Count >= RequestsPerSecond / 2, Deadline, "half a second of answers after the switch");
        await load.StopAsync();

        output.WriteLine(load.Summary());
        Assert.Equal(0, load.Failed);
        Assert.True(switchTime <= SwitchBudget, $"the new region order served only {switchTime.TotalMilliseconds:0} ms after the rewrite");
        Assert.True(edge.Output.StderrContains("Config applied (file change)"), $"no \"Config applied (file change)\" line\n{edge.Output.Stderr}");
    }

    [Fact]
    public async Task Reload_ConfigPathBecomesAFifoUnderTwentySighups_KeepsServingRejectsItAndThenReloadsARegularFile()
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        var (usEast, euWest) = (upstreams["us-east"], upstreams["eu-west"]);
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(proxyPort, adminPort, [usEast, euWest]));
        await using var load = SteadyLoad.Start(edge.ProxyUrl, 100, TimeSpan.FromSeconds(20));
        await Eventually.WaitUntilAsync(() => load.Total >= 50, Deadline, "50 answers");

        // A FIFO at the config path: opening it for reading blocks until someone writes, which no one does.
        File.Delete(edge.ConfigPath);
        var made = await ChildProcess.RunToExitAsync("mkfifo", [edge.ConfigPath], Deadline);
        Assert.True(made.ExitCode == 0, made.ToString());
        var fifoAt = load.Elapsed;
        for (var i = 0; i < 20; i++)
        {
            edge.SendSignal(UnixSignal.SIGHUP);
        }

        await edge.Output.WaitForStderrAsync("is a FIFO", Deadline);
        await Eventually.WaitUntilAsync(() => load.SentAfter(fifoAt).Count >= 200, Deadline, "two seconds of answers after the FIFO appeared");

        // A regular file again (eu-west first): the next SIGHUP applies it.
        edge.RewriteConfig(EdgeConfigText.SingleService(proxyPort, adminPort, [euWest, usEast]));
        var restoredAt = load.Elapsed;
        edge.SendSignal(UnixSignal.SIGHUP);
        await Eventually.WaitUntilAsync(() => load.FirstResponseFrom("eu-west", restoredAt) is not null, Deadline, "an answer from eu-west after the regular file is back");
        await load.StopAsync();

        output.WriteLine(load.Summary());
        output.WriteLine(string.Join('\n', edge.Output.StderrLines.Where(l => l.Contains("Config", StringComparison.Ordinal))));
        var latencies = load.SentAfter(fifoAt).Select(s => s.Latency.TotalMilliseconds).Order().ToArray();
        var p99 = latencies[(int)Math.Ceiling(latencies.Length * 0.99) - 1];
        output.WriteLine($"after the FIFO: {latencies.Length} requests, p50 {latencies[latencies.Length / 2]:0.0} ms, p99 {p99:0.0} ms, max {latencies[^1]:0.0} ms");
        Assert.Equal(0, load.Failed);
        Assert.True(p99 < 1_000, $"p99 after the FIFO appeared was {p99:0} ms: reloads stall the proxy");
        Assert.True(edge.Output.StderrContains("Config applied"), $"no \"Config applied\" line after the regular file came back\n{edge.Output.Stderr}");
    }
}

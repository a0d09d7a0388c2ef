using System.Diagnostics;
using System.Net;
using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// The failover promise (src/ARCHITECTURE.md), measured on the real edge with three real upstream processes under 200 GET/s:
/// refused (kill -9), hung (kill -STOP), erroring (503), recovery (kill -CONT), a non-idempotent POST to a broken
/// region, and every region dead. Each test prints its figures. Bounds are the product's own (1 s, 2 s), generous
/// for the loaded CI machine; all waits are conditions with deadlines.
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output)
{
    private const int Rate = 200;
    private static readonly string[] Regions = ["us-east", "eu-west", "ap-south"];
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    [Fact]
    public async Task KillPrimary_UnderLoad_NoRequestFailsAndTrafficLeavesWithinOneSecond()
    {
        using var upstreams = await UpstreamGroup.StartAsync(Regions);
        using var edge = await StartEdgeAsync(upstreams, perTryTimeout: null);
        await using var load = SteadyLoad.Start(edge.ProxyUrl, Rate, TimeSpan.FromSeconds(6));
        await WaitForTrafficAsync(load, "us-east");

        var clock = Stopwatch.StartNew();
        await upstreams["us-east"].KillAsync();
        await WaitForServingAsync(edge, "eu-west", TimeSpan.FromSeconds(5));
        var moved = clock.Elapsed;
        await load.Completion;

        output.WriteLine($"kill -9 primary: serving region eu-west {moved.TotalMilliseconds:0} ms after the kill; {load.Summary()}");
        output.WriteLine(load.FormatTimeline(TimeSpan.FromMilliseconds(500)));
        PrintFailures(load);
        Assert.Equal(0, load.Failed);
        Assert.True(moved <= TimeSpan.FromSeconds(1), $"traffic left the dead primary after {moved.TotalMilliseconds:0} ms (bound 1 s)");
    }

    [Fact]
    public async Task StopPrimary_WithPerTryTimeout_NewRequestsMoveWithinTwoSecondsAndNoneFail_ThenReturnOnce()
    {
        using var upstreams = await UpstreamGroup.StartAsync(Regions);
        using var edge = await StartEdgeAsync(upstreams, perTryTimeout: "00:00:01");
        await using var load = SteadyLoad.Start(edge.ProxyUrl, Rate, TimeSpan.FromSeconds(16));
        await WaitForTrafficAsync(load, "us-east");

        var primary = upstreams["us-east"];
        var stoppedAt = load.Elapsed;
        var clock = Stopwatch.StartNew();
        primary.SendSignal(UnixSignal.SIGSTOP);
        await WaitForServingAsync(edge, "eu-west", TimeSpan.FromSeconds(5));
        var moved = clock.Elapsed;

        // Requests sent from two seconds after the fault on must all be answered by the next region.
        await Eventually.WaitUntilAsync(() => load.Elapsed > stoppedAt + TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(10), "load to run 3.5 s past the fault");
        var continuedAt = load.Elapsed;
        primary.SendSignal(UnixSignal.SIGCONT);
        clock.Restart();
        await WaitForServingAsync(edge, "us-east", TimeSpan.FromSeconds(12));
        var returned = clock.Elapsed;
        await load.Completion;

        var lateToPrimary = load.Samples.Count(s => s.SentAt >= stoppedAt + TimeSpan.FromSeconds(2) && s.SentAt < continuedAt && s.Region == "us-east");
        var metrics = await edge.GetMetricsTextAsync();
        var away = PrometheusText.Sum(metrics, "neuropilot_edge_failovers_total", ("service", "api"), ("from", "us-east"), ("to", "eu-west")) ?? 0;
        var back = PrometheusText.Sum(metrics, "neuropilot_edge_failovers_total", ("service", "api"), ("from", "eu-west"), ("to", "us-east")) ?? 0;
        var retries = PrometheusText.Sum(metrics, "neuropilot_edge_retries_total", ("service", "api"), ("reason", "per_try_timeout")) ?? 0;
        var refused = PrometheusText.Sum(metrics, "neuropilot_edge_retry_budget_exhausted_total", ("service", "api")) ?? 0;
        output.WriteLine($"kill -STOP primary: serving eu-west {moved.TotalMilliseconds:0} ms after the stop; kill -CONT: back on us-east after {returned.TotalMilliseconds:0} ms; " +
                         $"failovers away {away}, back {back}; per-try-timeout retries {retries}, refused by the budget {refused}; {load.Summary()}");
        output.WriteLine(load.FormatTimeline(TimeSpan.FromMilliseconds(500)));
        PrintFailures(load);
        Assert.Equal(0, load.Failed);
        Assert.True(moved <= TimeSpan.FromSeconds(2), $"new requests moved after {moved.TotalMilliseconds:0} ms (bound 2 s)");
        Assert.Equal(0, lateToPrimary);
        Assert.Equal(1, away);
        Assert.Equal(1, back);
        Assert.True(load.CountByRegion(load.Elapsed - TimeSpan.FromSeconds(1), load.Elapsed).ContainsKey("us-east"), "traffic is back on the primary at the end");
    }

    [Fact]
    public async Task PrimaryAnswers503_TrafficMovesAndIdempotentRequestsSucceedByRetry()
    {
        using var upstreams = await UpstreamGroup.StartAsync(Regions);
        using var edge = await StartEdgeAsync(upstreams, perTryTimeout: null);
        await using var load = SteadyLoad.Start(edge.ProxyUrl, Rate, TimeSpan.FromSeconds(5));
        await WaitForTrafficAsync(load, "us-east");

        var clock = Stopwatch.StartNew();
        await upstreams["us-east"].SetFaultAsync("503");
        await WaitForServingAsync(edge, "eu-west", TimeSpan.FromSeconds(5));
        var moved = clock.Elapsed;
        await load.Completion;

        var metrics = await edge.GetMetricsTextAsync();
        var retried = PrometheusText.Sum(metrics, "neuropilot_edge_retries_total", ("service", "api"), ("reason", "failure_status")) ?? 0;
        output.WriteLine($"primary answering 503: serving eu-west after {moved.TotalMilliseconds:0} ms, {retried} requests retried on 503; {load.Summary()}");
        Assert.Equal(0, load.Failed);
        Assert.True(retried >= 1, "the 503s caught before the breaker opened were retried");
        Assert.True(moved <= TimeSpan.FromSeconds(2), $"traffic moved after {moved.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task StreamedPost_ToPrimaryThatResets_Fails502AndIsNeverSentTwice()
    {
        using var upstreams = await UpstreamGroup.StartAsync(Regions);
        using var edge = await StartEdgeAsync(upstreams, perTryTimeout: null);
        await upstreams["us-east"].SetFaultAsync("reset");
        using var client = edge.CreateClient();

        using var request = new HttpRequestMessage(HttpMethod.Post, "/orders")
        {
            Content = new StreamContent(new MemoryStream(new byte[256 * 1024])),
        };
        request.Headers.TransferEncodingChunked = true;
        using var response = await client.SendAsync(request);

        var metrics = await edge.GetMetricsTextAsync();
        var elsewhere = (PrometheusText.Sum(metrics, "neuropilot_edge_requests_total", ("region", "eu-west")) ?? 0) +
                        (PrometheusText.Sum(metrics, "neuropilot_edge_requests_total", ("region", "ap-south")) ?? 0);
        var retries = PrometheusText.Sum(metrics, "neuropilot_edge_retries_total", ("service", "api")) ?? 0;
        output.WriteLine($"streamed POST to a resetting primary: HTTP {(int)response.StatusCode}, requests seen by other regions {elsewhere}, retries {retries}");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(0, elsewhere);
        Assert.Equal(0, retries);
    }

    [Fact]
    public async Task EveryRegionKilled_EdgeStaysResponsiveAndNotReady()
    {
        using var upstreams = await UpstreamGroup.StartAsync(Regions);
        using var edge = await StartEdgeAsync(upstreams, perTryTimeout: null);
        foreach (var upstream in upstreams.All)
        {
            await upstream.KillAsync();
        }

        await using var load = SteadyLoad.Start(edge.ProxyUrl, Rate, TimeSpan.FromSeconds(3));
        var healthz = await WatchHealthzAsync(edge, load);
        await AssertNotReadyAsync(edge);
        var metrics = await edge.GetMetricsTextAsync();
        var retries = PrometheusText.Sum(metrics, "neuropilot_edge_retries_total", ("service", "api")) ?? 0;
        output.WriteLine($"every region killed: {load.Total} requests (all 502), {retries} retries (at most 2 per request), {healthz}");
        Assert.True(retries <= 2 * load.Total, $"{retries} retries for {load.Total} requests: more than MaxAttempts allows");
        healthz.AssertResponsive();
    }

    [Fact]
    public async Task EveryRegionHung_RetryBudgetCapsRetriesAndEdgeStaysResponsive()
    {
        using var upstreams = await UpstreamGroup.StartAsync(Regions);
        using var edge = await StartEdgeAsync(upstreams, perTryTimeout: "00:00:01");
        foreach (var upstream in upstreams.All)
        {
            upstream.SendSignal(UnixSignal.SIGSTOP);
        }

        try
        {
            await using var load = SteadyLoad.Start(edge.ProxyUrl, Rate, TimeSpan.FromSeconds(4), requestTimeout: TimeSpan.FromSeconds(8));
            var healthz = await WatchHealthzAsync(edge, load);
            await AssertNotReadyAsync(edge);
            var metrics = await edge.GetMetricsTextAsync();
            var retries = PrometheusText.Sum(metrics, "neuropilot_edge_retries_total", ("service", "api")) ?? 0;
            var refused = PrometheusText.Sum(metrics, "neuropilot_edge_retry_budget_exhausted_total", ("service", "api")) ?? 0;

            // Unbudgeted, each request would be retried twice (3 attempts of 1 s each).
            output.WriteLine($"every region hung: {load.Total} requests, {retries} retries, {refused} retries refused by the budget, {healthz}");
            Assert.True(refused > 0, "the budget refused retries");
            Assert.True(retries < load.Total, $"{retries} retries for {load.Total} requests: the budget did not cap them");
            healthz.AssertResponsive();
        }
        finally
        {
            foreach (var upstream in upstreams.All)
            {
                upstream.SendSignal(UnixSignal.SIGCONT);
            }
        }
    }

    [Fact]
    public async Task HungPrimary_OneClientSendingOneRequestAtATime_NewRequestsMoveWithinTwoSecondsWithTheDefaults()
    {
        // The demo's case: light traffic, default config (no PerTryTimeout, StallMinRequests 2). A single request
        // waiting StallTimeout, corroborated by a probe that goes unanswered, must be enough.
        using var upstreams = await UpstreamGroup.StartAsync(Regions);
        using var edge = await StartEdgeAsync(upstreams, perTryTimeout: null);
        using var client = new HttpClient { BaseAddress = edge.ProxyUrl, Timeout = TimeSpan.FromSeconds(3) };

        upstreams["us-east"].SendSignal(UnixSignal.SIGSTOP);
        var clock = Stopwatch.StartNew();
        var answers = new List<string>();
        var moved = TimeSpan.Zero;
        while (clock.Elapsed < TimeSpan.FromSeconds(8) && moved == TimeSpan.Zero)
        {
            var sent = clock.Elapsed;
            try
            {
                using var response = await client.GetAsync("/one-at-a-time");
                var region = response.Headers.TryGetValues("X-Upstream-Region", out var values) ? values.First() : "?";
                answers.Add($"{sent.TotalMilliseconds:0} ms: {(int)response.StatusCode} {region}");
                if (region == "eu-west")
                {
                    moved = sent;
                }
            }
            catch (TaskCanceledException)
            {
                answers.Add($"{sent.TotalMilliseconds:0} ms: client gave up after 3 s");
            }
        }

        var serving = (await edge.GetStatusJsonAsync()).GetProperty("services")[0].GetProperty("serving_region").GetString();
        upstreams["us-east"].SendSignal(UnixSignal.SIGCONT);
        output.WriteLine($"hung primary, one client at a time: {string.Join("; ", answers)}; serving {serving}");
        Assert.Equal("eu-west", serving);
        Assert.InRange(moved, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(3.5)); // the first request waits out its 3 s, the next moves
        var log = string.Join('\n', edge.Output.StderrLines);
        Assert.Contains("probe sent since then unanswered", log, StringComparison.Ordinal);
    }

    /// <summary>
    /// Starts the edge and warms every process up (first requests pay for connection set-up and, outside AOT, JIT):
    /// a cold start is not the fault under test.
    /// </summary>
    private static async Task<EdgeProcess> StartEdgeAsync(UpstreamGroup upstreams, string? perTryTimeout)
    {
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        var retry = perTryTimeout is null ? "" : $"\"Retry\": {{ \"PerTryTimeout\": \"{perTryTimeout}\" }}";
        var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(proxyPort, adminPort, upstreams.All, serviceExtras: retry));
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        for (var i = 0; i < 20; i++)
        {
            foreach (var upstream in upstreams.All)
            {
                using var direct = await client.GetAsync(new Uri(upstream.Url, "/warm-up"));
            }

            using var proxied = await client.GetAsync(new Uri(edge.ProxyUrl, "/warm-up"));
        }

        return edge;
    }

    /// <summary>
    /// /healthz asked every 10 polls while the load runs. An admin listener stuck behind hung requests answers
    /// late every time (a per-try timeout of 1 s or more); a busy 2-core VM delays one answer now and then
    /// (seen: 1.1 s once in a run). So: none later than 2 s, and at most one later than 1 s.
    /// </summary>
    private static async Task<HealthzTimes> WatchHealthzAsync(EdgeProcess edge, SteadyLoad load)
    {
        using var admin = new HttpClient { BaseAddress = edge.AdminUrl, Timeout = TimeSpan.FromSeconds(5) };
        var times = new List<TimeSpan>();
        while (!load.Completion.IsCompleted)
        {
            var probe = Stopwatch.StartNew();
            using var healthz = await admin.GetAsync("/healthz");
            Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
            times.Add(probe.Elapsed);
            await Task.WhenAny(load.Completion, Task.Delay(Poll * 10));
        }

        return new HealthzTimes(times);
    }

    private sealed record HealthzTimes(List<TimeSpan> Times)
    {
        public TimeSpan Worst => Times.Count == 0 ? TimeSpan.Zero : Times.Max();

        public void AssertResponsive() => Assert.True(
            Worst < TimeSpan.FromSeconds(2) && Times.Count(t => t >= TimeSpan.FromSeconds(1)) <= 1,
            $"the admin listener stays responsive: /healthz took {string.Join(", ", Times.Select(t => $"{t.TotalMilliseconds:0}"))} ms");

        public override string ToString() => $"slowest /healthz {Worst.TotalMilliseconds:0} ms of {Times.Count}";
    }

    private static async Task AssertNotReadyAsync(EdgeProcess edge)
    {
        using var admin = new HttpClient { BaseAddress = edge.AdminUrl, Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.WaitUntilAsync(
            async () =>
            {
                using var readyz = await admin.GetAsync("/readyz");
                return readyz.StatusCode == HttpStatusCode.ServiceUnavailable;
            },
            TimeSpan.FromSeconds(10),
            "/readyz to say 503 with every region down");
    }

    private void PrintFailures(SteadyLoad load)
    {
        foreach (var sample in load.Samples.Where(s => s.Failed).Take(5))
        {
            output.WriteLine($"  failed: sent at {sample.SentAt.TotalMilliseconds:0} ms, status {sample.Status}, {sample.Outcome}, {sample.Error}");
        }
    }

    private static Task WaitForTrafficAsync(SteadyLoad load, string region) =>
        Eventually.WaitUntilAsync(
            () => load.CountByRegion(TimeSpan.Zero, load.Elapsed).GetValueOrDefault(region) >= 50,
            TimeSpan.FromSeconds(10),
            $"50 responses from {region} before the fault");

    private static Task WaitForServingAsync(EdgeProcess edge, string region, TimeSpan deadline) =>
        Eventually.WaitUntilAsync(
            async () => (await edge.GetStatusJsonAsync()).GetProperty("services")[0].GetProperty("serving_region").GetString() == region,
            deadline,
            $"serving region {region}");
}

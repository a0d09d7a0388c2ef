using System.Diagnostics;
using System.Net;
using System.Text.Json;
using DnsClient;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Dns;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// Issue 10, "Done when" 3, with the real edge binary and three real upstreams: a DNS provider that answers a 58-day
/// <c>Retry-After</c>, a 200 MiB gzip bomb, or (RFC 2136) malformed DNS messages never takes the proxy down, never
/// bloats the process, never blocks a clean exit; <c>/admin/status</c> says what happened and the pusher recovers when
/// the provider does. Each test prints the RSS it measured and what status said.
/// </summary>
public sealed class HostileDnsProviderTests(ITestOutputHelper output)
{
    private const string UsEast = "198.51.100.10";
    private const string EuWest = "198.51.100.20";
    private static readonly string[] Regions = ["us-east", "eu-west", "ap-south"];

    [Fact]
    public async Task Cloudflare_RetryAfterOf58Days_EdgeProxiesThroughout_StatusSaysRateLimited_SigtermExitsZero()
    {
        await using var cloudflare = await CloudflareEmulator.StartAsync();
        cloudflare.Hostility = CloudflareHostility.RetryAfter(5_000_000);
        using var upstreams = await UpstreamGroup.StartAsync(Regions);
        using var edge = await StartEdgeAsync(upstreams, CloudflareDns(cloudflare), new Dictionary<string, string?> { ["CLOUDFLARE_API_TOKEN"] = cloudflare.Token });
        await using var load = SteadyLoad.Start(edge.ProxyUrl, 50, TimeSpan.FromSeconds(20));

        await Eventually.WaitUntilAsync(async () => (await DnsStatusAsync(edge)).GetProperty("last_result").GetString() == "rate_limited",
            TimeSpan.FromSeconds(15), () => $"the edge to meet the 429; edge log:\n{edge.Output.Tail()}");
        var limitedAt = DateTimeOffset.UtcNow;

        // The edge keeps proxying for a few more seconds and sends Cloudflare nothing more.
        var rss = await WatchRssAsync(edge, TimeSpan.FromSeconds(4));
        await load.StopAsync();
        var status = await DnsStatusAsync(edge);
        var notBefore = status.GetProperty("next_attempt_not_before").GetDateTimeOffset();
        output.WriteLine($"status: state {status.GetProperty("state")}, last_result {status.GetProperty("last_result")}, next attempt not before {notBefore:u} " +
                         $"({(notBefore - limitedAt).TotalMinutes:0.#} min from the 429), last_error: {status.GetProperty("last_error")}");
        output.WriteLine($"RSS max {rss / 1024.0:0.0} MiB; requests to Cloudflare: {cloudflare.Requests.Count}; proxy: {load.Summary()}");

        Assert.Equal("failing", status.GetProperty("state").GetString());
        Assert.Contains("Retry-After", status.GetProperty("last_error").GetString(), StringComparison.Ordinal);
        Assert.InRange(notBefore - limitedAt, TimeSpan.FromMinutes(55), TimeSpan.FromHours(1));
        Assert.Single(cloudflare.Requests);
        Assert.Equal(0, load.Failed);
        Assert.True(load.Total > 100, $"only {load.Total} requests completed");
        Assert.True(rss < RssLimitKiB(baseline: 0), $"RSS reached {rss / 1024.0:0.0} MiB");
        await StopCleanlyAsync(edge);
    }

    [Fact]
    public async Task Cloudflare_GzipBombOf200MiB_EdgeStaysUnder100MiB_StatusSaysTooLarge_RecoversAfter_SigtermExitsZero()
    {
        var bomb = CloudflareHostility.GzipBomb(200L * 1024 * 1024);
        await using var cloudflare = await CloudflareEmulator.StartAsync();
        using var upstreams = await UpstreamGroup.StartAsync(Regions);
        using var edge = await StartEdgeAsync(upstreams, CloudflareDns(cloudflare), new Dictionary<string, string?> { ["CLOUDFLARE_API_TOKEN"] = cloudflare.Token });
        await using var load = SteadyLoad.Start(edge.ProxyUrl, 50, TimeSpan.FromSeconds(25));
        await Eventually.WaitUntilAsync(() => ApiAddresses(cloudflare).SequenceEqual([UsEast]), TimeSpan.FromSeconds(15), () => $"the first push; edge log:\n{edge.Output.Tail()}");
        var baseline = await WatchRssAsync(edge, TimeSpan.FromSeconds(1));

        // From now on every read (one per 1 s Interval) gets the bomb; meanwhile the primary dies, so a change is due.
        cloudflare.Hostility = bomb;
        var bombed = cloudflare.Requests.Count;
        await upstreams["us-east"].KillAsync();
        var rss = await WatchRssAsync(edge, TimeSpan.FromSeconds(6));
        var status = await DnsStatusAsync(edge);
        var limit = RssLimitKiB(baseline);
        output.WriteLine($"{EdgeBinary.Describe()}: RSS {baseline / 1024.0:0.0} MiB before; {bomb}: {cloudflare.Requests.Count - bombed} answered; " +
                         $"RSS max {rss / 1024.0:0.0} MiB while they came (limit {limit / 1024.0:0.0} MiB)");
        output.WriteLine($"status: state {status.GetProperty("state")}, last_result {status.GetProperty("last_result")}, last_error: {status.GetProperty("last_error")}");
        Assert.True(rss < limit, $"RSS reached {rss / 1024.0:0.0} MiB");
        Assert.Contains("larger than 8 MiB", status.GetProperty("last_error").GetString(), StringComparison.Ordinal);
        Assert.Equal(("failing", "unavailable"), (status.GetProperty("state").GetString(), status.GetProperty("last_result").GetString()));
        Assert.Equal([UsEast], ApiAddresses(cloudflare));

        var cleared = Stopwatch.StartNew();
        cloudflare.Hostility = null;
        await Eventually.WaitUntilAsync(() => ApiAddresses(cloudflare).SequenceEqual([EuWest]), TimeSpan.FromSeconds(10),
            () => $"the pending change to be pushed once Cloudflare answers again; edge log:\n{edge.Output.Tail()}");
        var recovered = cleared.Elapsed;
        await Eventually.WaitUntilAsync(async () => (await DnsStatusAsync(edge)).GetProperty("state").GetString() == "ok", TimeSpan.FromSeconds(5), "status ok");
        await load.StopAsync();
        output.WriteLine($"Cloudflare answers again: record on eu-west {recovered.TotalMilliseconds:0} ms later; proxy: {load.Summary()}; RSS now {edge.ReadRssKiB() / 1024.0:0.0} MiB");
        Assert.Equal(0, load.Failed);
        Assert.True(load.Total > 100, $"only {load.Total} requests completed");
        await StopCleanlyAsync(edge);
    }

    [Fact]
    public async Task Rfc2136_MalformedAnswers_PusherBacksOffStatusShowsTheCurrentError_RecoversWhenTheServerDoes()
    {
        using var knot = await KnotServer.StartAsync();
        using var server = HostileDnsServer.Start(new IPEndPoint(IPAddress.Loopback, knot.Port), DnsHostility.Truncated);
        using var upstreams = await UpstreamGroup.StartAsync(Regions);
        var dns = $$"""
            "Dns": {
              "Provider": "rfc2136", "OwnerId": "edge-fleet-1", "Interval": "30s", "DownHoldTime": "2s", "UpHoldTime": "4s",
              "Records": [ { "Name": "api.example.com", "Type": "A", "Ttl": 60, "Service": "api",
                             "Regions": { "us-east": ["{{UsEast}}"], "eu-west": ["198.51.100.20"], "ap-south": ["198.51.100.30"] } } ],
              "Rfc2136": { "Server": "127.0.0.1:{{server.Port}}", "Zone": "example.com.", "TsigKeyName": "{{knot.KeyName}}", "Timeout": "500ms" }
            }
            """;
        using var edge = await StartEdgeAsync(upstreams, dns, new Dictionary<string, string?> { ["NEUROPILOT_EDGE_TSIG_SECRET"] = knot.Secret });
        await using var load = SteadyLoad.Start(edge.ProxyUrl, 50, TimeSpan.FromSeconds(25));

        await Eventually.WaitUntilAsync(async () => (await DnsStatusAsync(edge)).GetProperty("last_result").ValueKind == JsonValueKind.String,
            TimeSpan.FromSeconds(15), () => $"a first round; edge log:\n{edge.Output.Tail()}");
        var truncatedError = (await DnsStatusAsync(edge)).GetProperty("last_error").GetString();

        // Another kind of garbage: status must show it, not the older error.
        server.Mode = DnsHostility.PointerLoop;
        await Eventually.WaitUntilAsync(async () => (await DnsStatusAsync(edge)).GetProperty("last_error").GetString() != truncatedError,
            TimeSpan.FromSeconds(10), () => $"status to show the new error (still: {truncatedError}); edge log:\n{edge.Output.Tail()}");
        var received = server.Received;
        var clock = Stopwatch.StartNew();
        await Eventually.WaitUntilAsync(() => clock.Elapsed >= TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(10), "6 s of rounds against the pointer loop");
        var rounds = PrometheusText.Sum(await edge.GetMetricsTextAsync(), "neuropilot_edge_dns_pushes_total") ?? 0;
        var messagesIn6s = server.Received - received;
        var status = await DnsStatusAsync(edge);
        output.WriteLine($"first error: {truncatedError}");
        output.WriteLine($"then: state {status.GetProperty("state")}, last_result {status.GetProperty("last_result")}, last_error: {status.GetProperty("last_error")}; " +
                         $"{messagesIn6s} DNS messages in 6 s, {rounds} rounds in all");
        Assert.Equal("failing", status.GetProperty("state").GetString());
        Assert.Equal("unavailable", status.GetProperty("last_result").GetString());
        Assert.NotEqual(truncatedError, status.GetProperty("last_error").GetString());
        Assert.False(edge.Output.Combined.Contains("   at ", StringComparison.Ordinal), $"a stack trace was logged:\n{edge.Output.Tail(40)}");

        // Backoff: 1, 2, 4 s ceilings and more (each read sends 4 queries, retried once by the client): no 1 s loop.
        Assert.True(messagesIn6s <= 40, $"{messagesIn6s} DNS messages in 6 s: the pusher does not back off");

        server.Mode = DnsHostility.None;
        var lookup = new LookupClient(new LookupClientOptions(new NameServer(IPAddress.Loopback, knot.Port)) { UseCache = false, Timeout = TimeSpan.FromSeconds(1), Retries = 0 });
        await Eventually.WaitUntilAsync(async () => (await lookup.QueryAsync("api.example.com", QueryType.A)).Answers.ARecords().Any(a => a.Address.ToString() == UsEast),
            TimeSpan.FromSeconds(15), () => $"Knot to serve the record once the server behaves; edge log:\n{edge.Output.Tail()}");
        await Eventually.WaitUntilAsync(async () => (await DnsStatusAsync(edge)).GetProperty("state").GetString() == "ok", TimeSpan.FromSeconds(5), "status ok");
        await load.StopAsync();
        output.WriteLine($"recovered; proxy: {load.Summary()}; RSS {edge.ReadRssKiB() / 1024.0:0.0} MiB");
        Assert.Equal(0, load.Failed);
        await StopCleanlyAsync(edge);
    }

    /// <summary>
    /// 100 MiB for the Native AOT binary (its own RSS is ~30 MiB); the framework-dependent apphost runs at ~85 MiB by
    /// itself under this load, so for it: 32 MiB over its <paramref name="baseline"/> (or 100 MiB when there is none
    /// measured: the test then has no growth to bound).
    /// </summary>
    private static long RssLimitKiB(long baseline) =>
        EdgeBinary.IsNativeAot || baseline == 0 ? 100 * 1024 : Math.Max(100 * 1024, baseline + (32 * 1024));

    private static string[] ApiAddresses(CloudflareEmulator cloudflare) =>
        [.. cloudflare.Records.Where(r => r.Name == "api.example.com" && r.Type == "A").Select(r => r.Content).Order(StringComparer.Ordinal)];

    /// <summary>SIGTERM: exit code 0 within 10 s, no unhandled exception and no stack trace in the output.</summary>
    private async Task StopCleanlyAsync(EdgeProcess edge)
    {
        edge.SendSignal(UnixSignal.SIGTERM);
        var exitCode = await edge.WaitForExitAsync(TimeSpan.FromSeconds(10));
        output.WriteLine($"SIGTERM: {ChildProcess.DescribeExit(exitCode)}");
        Assert.True(exitCode == 0, $"SIGTERM ended the edge with {ChildProcess.DescribeExit(exitCode)}\n{edge.Output.Tail(40)}");
        Assert.False(edge.Output.Combined.Contains("Unhandled exception", StringComparison.Ordinal), edge.Output.Tail(40));
        Assert.False(edge.Output.Combined.Contains("   at ", StringComparison.Ordinal), $"a stack trace in the output:\n{edge.Output.Tail(40)}");
    }

    /// <summary>The highest RSS seen while sampling every 50 ms for <paramref name="duration"/>.</summary>
    private static async Task<long> WatchRssAsync(EdgeProcess edge, TimeSpan duration)
    {
        var max = 0L;
        var clock = Stopwatch.StartNew();
        await Eventually.WaitUntilAsync(() =>
        {
            max = Math.Max(max, edge.ReadRssKiB());
            return clock.Elapsed >= duration;
        }, duration + TimeSpan.FromSeconds(5), "the RSS watch");
        return max;
    }

    private static string CloudflareDns(CloudflareEmulator cloudflare) => $$"""
        "Dns": {
          "Provider": "cloudflare", "OwnerId": "edge-fleet-1", "Interval": "1s", "DownHoldTime": "2s", "UpHoldTime": "4s",
          "Records": [ { "Name": "api.example.com", "Type": "A", "Ttl": 60, "Service": "api",
                         "Regions": { "us-east": ["{{UsEast}}"], "eu-west": ["{{EuWest}}"], "ap-south": ["198.51.100.30"] } } ],
          "Cloudflare": { "ZoneId": "{{cloudflare.ZoneId}}", "ApiBaseUrl": "{{cloudflare.BaseUrl}}" }
        }
        """;

    /// <summary>The edge with fast probes (1 s) so its first DNS round comes within a few seconds.</summary>
    private static async Task<EdgeProcess> StartEdgeAsync(UpstreamGroup upstreams, string dns, IReadOnlyDictionary<string, string?> environment)
    {
        var ports = FreePorts.Take(2);
        var regions = string.Join(",\n", upstreams.All.Select(u => $$"""{ "Name": "{{u.Region}}", "Destinations": ["{{u.Destination}}"] }"""));
        var config = $$"""
            {
              "Edge": { "Listen": ["http://127.0.0.1:{{ports[0]}}"], "Admin": { "Listen": "http://127.0.0.1:{{ports[1]}}" } },
              "Services": {
                "api": {
                  "Regions": [ {{regions}} ],
                  "HealthCheck": { "Path": "/healthz", "Interval": "1s", "Timeout": "500ms", "UnhealthyThreshold": 2, "HealthyThreshold": 2 }
                }
              },
              {{dns}}
            }
            """;
        return await EdgeProcess.StartAsync(config, environment);
    }

    private static async Task<JsonElement> DnsStatusAsync(EdgeProcess edge) => (await edge.GetStatusJsonAsync()).GetProperty("dns");
}

using System.Diagnostics;
using System.Net;
using System.Text.Json;
using DnsClient;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Dns;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// The DNS pusher end to end: the real edge binary, three real upstream processes, and either the Cloudflare API
/// emulator (in-process on loopback) or a real Knot server (RFC 2136, TSIG). Faults are real (kill -9, restart);
/// every wait is a condition with a deadline; each test prints what it measured.
/// Hold times are short (down 2 s, up 4 s) so the rules show in seconds; the bounds give the loaded CI machine room.
/// </summary>
public sealed class DnsPushTests(ITestOutputHelper output)
{
    private const string UsEast = "198.51.100.10";
    private const string EuWest = "198.51.100.20";
    private const string ApSouth = "198.51.100.30";
    private static readonly string[] Regions = ["us-east", "eu-west", "ap-south"];
    private static readonly TimeSpan DownHold = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan UpHold = TimeSpan.FromSeconds(4);

    /// <summary>"A few seconds" on top of a hold: detection, the debounce, the provider round trip, a loaded machine.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Cloudflare_PrimaryKilledThenBack_RecordFollowsHoldTimes_ForeignRecordsUntouched()
    {
        await using var cloudflare = await CloudflareEmulator.StartAsync();
        var www = cloudflare.Seed("www.example.com", "A", "203.0.113.5", ttl: 300);
        var spf = cloudflare.Seed("api.example.com", "TXT", "v=spf1 -all", ttl: 300);
        var legacy = cloudflare.Seed("legacy.example.com", "A", "203.0.113.7", ttl: 300);
        using var upstreams = await UpstreamGroup.StartAsync(Regions);
        using var edge = await DnsTestEdge.StartAsync(upstreams, CloudflareDns(cloudflare, "edge-fleet-1", extraRecord: Record("legacy.example.com")),
            new Dictionary<string, string?> { ["CLOUDFLARE_API_TOKEN"] = cloudflare.Token });
        await using var load = SteadyLoad.Start(edge.ProxyUrl, 50, TimeSpan.FromSeconds(40));

        var clock = Stopwatch.StartNew();
        await WaitForCloudflareAsync(cloudflare, [UsEast], TimeSpan.FromSeconds(15), edge);
        var published = clock.Elapsed;
        var marker = Assert.Single(cloudflare.Records, r => r.Name == "_neuropilot-edge.a.api.example.com");
        Assert.Equal(("TXT", "heritage=neuropilot-edge,owner=edge-fleet-1"), (marker.Type, marker.Content));

        clock.Restart();
        await upstreams["us-east"].KillAsync();
        await WaitForCloudflareAsync(cloudflare, [EuWest], DownHold + Slack, edge);
        var moved = clock.Elapsed;

        clock.Restart();
        await upstreams["us-east"].RestartAsync();
        await WaitForCloudflareAsync(cloudflare, [UsEast], UpHold + Slack, edge);
        var returned = clock.Elapsed;
        await load.StopAsync();

        var status = await DnsStatusAsync(edge);
        var metrics = await edge.GetMetricsTextAsync();
        output.WriteLine($"first publish {published.TotalMilliseconds:0} ms after start; kill -9 primary -> eu-west in Cloudflare after {moved.TotalMilliseconds:0} ms " +
                         $"(down hold {DownHold.TotalSeconds} s); restart -> us-east after {returned.TotalMilliseconds:0} ms (up hold {UpHold.TotalSeconds} s); proxy: {load.Summary()}");
        output.WriteLine($"requests to the emulator: {Describe(cloudflare.RequestCounts)}");
        Assert.True(moved >= DownHold, $"the record moved {moved.TotalMilliseconds:0} ms after the kill, before the down hold time");
        Assert.True(returned >= UpHold, $"the record returned {returned.TotalMilliseconds:0} ms after the restart, before the up hold time");
        Assert.Equal(0, load.Failed);

        // Foreign records: same zone, same name other type, and a configured name held without our marker.
        Assert.Contains(www, cloudflare.Records);
        Assert.Contains(spf, cloudflare.Records);
        Assert.Contains(legacy, cloudflare.Records);
        Assert.DoesNotContain(cloudflare.Records, r => r.Name == "_neuropilot-edge.a.legacy.example.com");
        var conflict = status.GetProperty("last_plan").GetProperty("records").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "legacy.example.com");
        Assert.Equal("conflict", conflict.GetProperty("outcome").GetString());
        Assert.Equal(1, PrometheusText.Sum(metrics, "neuropilot_edge_dns_conflicts"));
        Assert.Equal(3, PrometheusText.Sum(metrics, "neuropilot_edge_dns_pushes_total", ("provider", "cloudflare"), ("result", "success")));
        Assert.Equal(0, PrometheusText.Sum(metrics, "neuropilot_edge_dns_never_empty_blocked"));
    }

    [Fact]
    public async Task Cloudflare_SteadyState_OneListPerInterval()
    {
        await using var cloudflare = await CloudflareEmulator.StartAsync();
        using var upstreams = await UpstreamGroup.StartAsync(Regions);
        using var edge = await DnsTestEdge.StartAsync(upstreams, CloudflareDns(cloudflare, "edge-fleet-1", interval: "2s"),
            new Dictionary<string, string?> { ["CLOUDFLARE_API_TOKEN"] = cloudflare.Token });
        await WaitForCloudflareAsync(cloudflare, [UsEast], TimeSpan.FromSeconds(15), edge);

        var before = cloudflare.Requests.Count;
        var clock = Stopwatch.StartNew();
        await Eventually.WaitUntilAsync(() => clock.Elapsed >= TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15), "10 s of steady state");
        var window = clock.Elapsed;
        var steady = cloudflare.Requests.Skip(before).ToList();

        var perHourAtTwoSeconds = steady.Count * 3600 / window.TotalSeconds;
        output.WriteLine($"steady state, Interval 2 s: {steady.Count} requests in {window.TotalSeconds:0.0} s ({string.Join(", ", steady.Select(r => r.Key).Distinct())}) " +
                         $"= {perHourAtTwoSeconds:0} per hour; per round {steady.Count / (window.TotalSeconds / 2):0.00} -> at the default Interval 30 s: {3600 / 30 * steady.Count / (window.TotalSeconds / 2):0} per hour");
        Assert.All(steady, r => Assert.Equal("GET /zones/{zone_id}/dns_records", r.Key));
        Assert.InRange(steady.Count, 3, 7);
    }

    [Fact]
    public async Task Cloudflare_BurstOf429_EdgeBacksOffKeepsProxyingAndConverges()
    {
        await using var cloudflare = await CloudflareEmulator.StartAsync(new CloudflareEmulatorOptions { RequestBudget = 40, BudgetWindow = TimeSpan.FromSeconds(12) });
        using var upstreams = await UpstreamGroup.StartAsync(Regions);
        using var edge = await DnsTestEdge.StartAsync(upstreams, CloudflareDns(cloudflare, "edge-fleet-1", interval: "1s"),
            new Dictionary<string, string?> { ["CLOUDFLARE_API_TOKEN"] = cloudflare.Token });
        await WaitForCloudflareAsync(cloudflare, [UsEast], TimeSpan.FromSeconds(15), edge);
        await using var load = SteadyLoad.Start(edge.ProxyUrl, 50, TimeSpan.FromSeconds(30));

        // Another member of the fleet burns the shared token's budget: from here Cloudflare answers 429 until the window ends.
        using (var other = cloudflare.CreateClient())
        {
            while (!cloudflare.Requests.Any(r => r.StatusCode == 429))
            {
                using var response = await other.GetAsync($"zones/{cloudflare.ZoneId}/dns_records");
            }
        }

        var limitedAt = cloudflare.Requests.First(r => r.StatusCode == 429).At;
        var clock = Stopwatch.StartNew();
        await upstreams["us-east"].KillAsync();
        await Eventually.WaitUntilAsync(async () => (await DnsStatusAsync(edge)).GetProperty("last_result").GetString() == "rate_limited",
            TimeSpan.FromSeconds(15), "the edge to meet the 429");
        await WaitForCloudflareAsync(cloudflare, [EuWest], TimeSpan.FromSeconds(30), edge);
        var converged = clock.Elapsed;
        await load.StopAsync();

        // The edge's requests: its list calls page explicitly, and only it writes.
        var edgeRequests = cloudflare.Requests.Where(r => r.At >= limitedAt && (r.Method != "GET" || r.Query.Contains("per_page", StringComparison.Ordinal))).ToList();
        var refused = edgeRequests.Count(r => r.StatusCode == 429);
        var metrics = await edge.GetMetricsTextAsync();
        output.WriteLine($"429 burst: budget spent at {limitedAt:HH:mm:ss.fff}; edge requests from then on: {refused} answered 429, {edgeRequests.Count - refused} passed; " +
                         $"record on eu-west {converged.TotalMilliseconds:0} ms after the kill; rate_limited rounds " +
                         $"{PrometheusText.Sum(metrics, "neuropilot_edge_dns_pushes_total", ("provider", "cloudflare"), ("result", "rate_limited"))}; proxy: {load.Summary()}");
        output.WriteLine(string.Join("\n", edgeRequests.Select(r => $"  {r.At:HH:mm:ss.fff} {r}")));
        Assert.Equal(0, load.Failed);
        Assert.Equal(1, refused);
        Assert.True(PrometheusText.Sum(metrics, "neuropilot_edge_dns_pushes_total", ("provider", "cloudflare"), ("result", "rate_limited")) >= 1);
    }

    [Fact]
    public async Task Cloudflare_TwoFleets_SameOwnerConverge_OtherOwnerNeverTouches()
    {
        await using var cloudflare = await CloudflareEmulator.StartAsync();
        using var upstreams = await UpstreamGroup.StartAsync(Regions);
        var token = new Dictionary<string, string?> { ["CLOUDFLARE_API_TOKEN"] = cloudflare.Token };
        using var first = await DnsTestEdge.StartAsync(upstreams, CloudflareDns(cloudflare, "edge-fleet-1", interval: "1s"), token);
        await WaitForCloudflareAsync(cloudflare, [UsEast], TimeSpan.FromSeconds(15), first);
        // The twin's view lags by 3 s (as an edge that probes the region later would): it still wants us-east for 3 s
        // after the first edge has moved the record, and must not move it back meanwhile.
        using var twin = await DnsTestEdge.StartAsync(upstreams, CloudflareDns(cloudflare, "edge-fleet-1", interval: "1s", downHold: "5s"), token);
        using var stranger = await DnsTestEdge.StartAsync(upstreams, CloudflareDns(cloudflare, "edge-fleet-2", interval: "1s", policy: "all-healthy"), token);
        await Eventually.WaitUntilAsync(async () => (await DnsStatusAsync(stranger)).GetProperty("last_result").GetString() == "unchanged" &&
                                                    (await DnsStatusAsync(twin)).GetProperty("last_result").GetString() == "unchanged",
            TimeSpan.FromSeconds(15), "both late edges to finish a round");

        await upstreams["us-east"].KillAsync();
        await WaitForCloudflareAsync(cloudflare, [EuWest], DownHold + Slack, first);
        var writesAfterMove = Writes(cloudflare);
        await Eventually.WaitUntilAsync(async () => (await DnsStatusAsync(twin)).GetProperty("regions").EnumerateArray()
                .Any(r => r.GetProperty("region").GetString() == "us-east" && r.GetProperty("published").ValueKind == JsonValueKind.False),
            TimeSpan.FromSeconds(15), "the twin's own down hold to run out");
        await Eventually.WaitUntilAsync(async () => (await DnsStatusAsync(twin)).GetProperty("last_result").GetString() == "unchanged" &&
                                                    (await DnsStatusAsync(first)).GetProperty("last_result").GetString() == "unchanged",
            TimeSpan.FromSeconds(10), "both same-owner edges to agree there is nothing left to change");
        var strangerStatus = await DnsStatusAsync(stranger);

        output.WriteLine($"writes: {writesAfterMove} batch/record writes for create + failover across two same-owner edges; requests {Describe(cloudflare.RequestCounts)}");
        Assert.Equal(writesAfterMove, Writes(cloudflare));
        Assert.InRange(writesAfterMove, 2, 3);
        Assert.Equal([EuWest], ApiAddresses(cloudflare));
        var record = strangerStatus.GetProperty("last_plan").GetProperty("records")[0];
        Assert.Equal("conflict", record.GetProperty("outcome").GetString());
        Assert.Contains("owned by \"edge-fleet-1\"", record.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single(cloudflare.Records, r => r.Type == "TXT" && r.Name.StartsWith("_neuropilot-edge.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cloudflare_DryRun_LogsThePlanAndWritesNothing()
    {
        await using var cloudflare = await CloudflareEmulator.StartAsync();
        using var upstreams = await UpstreamGroup.StartAsync(Regions);
        using var edge = await DnsTestEdge.StartAsync(upstreams, CloudflareDns(cloudflare, "edge-fleet-1", dryRun: true),
            new Dictionary<string, string?> { ["CLOUDFLARE_API_TOKEN"] = cloudflare.Token });

        await Eventually.WaitUntilAsync(async () => (await DnsStatusAsync(edge)).GetProperty("last_result").GetString() == "dry_run",
            TimeSpan.FromSeconds(15), () => $"a dry-run round; edge log:\n{edge.Output.Tail()}");
        var metrics = await edge.GetMetricsTextAsync();

        Assert.Empty(cloudflare.Records);
        Assert.All(cloudflare.Requests, r => Assert.Equal("GET", r.Method));
        Assert.True(edge.Output.StderrContains("DNS dry run against cloudflare, nothing changed"), "the plan is logged");
        Assert.True(edge.Output.StderrContains("+ api.example.com 60 A [198.51.100.10]"), "the logged plan names the record");
        Assert.Equal(1, PrometheusText.Sum(metrics, "neuropilot_edge_dns_pushes_total", ("provider", "cloudflare"), ("result", "dry_run")));
    }

    [Fact]
    public async Task Cloudflare_FailoverOfMoreThanTheCap_IsRefusedUntilForced()
    {
        const string adminToken = "dns-test-admin-token";
        await using var cloudflare = await CloudflareEmulator.StartAsync();
        var names = Enumerable.Range(1, 10).Select(i => $"r{i}.example.com").ToList();
        foreach (var name in names)
        {
            cloudflare.Seed(name, "A", UsEast, ttl: 60);
            cloudflare.Seed($"_neuropilot-edge.a.{name}", "TXT", "heritage=neuropilot-edge,owner=edge-fleet-1", ttl: 300);
        }

        using var upstreams = await UpstreamGroup.StartAsync(Regions);
        var records = string.Join(", ", names.Select(n => Record(n)));
        var dns = CloudflareDns(cloudflare, "edge-fleet-1").Replace(Record("api.example.com"), records, StringComparison.Ordinal);
        using var edge = await DnsTestEdge.StartAsync(upstreams, dns,
            new Dictionary<string, string?> { ["CLOUDFLARE_API_TOKEN"] = cloudflare.Token, ["NEUROPILOT_EDGE_ADMIN_TOKEN"] = adminToken });
        await Eventually.WaitUntilAsync(async () => (await DnsStatusAsync(edge)).GetProperty("last_result").GetString() == "unchanged",
            TimeSpan.FromSeconds(15), () => $"a first round that finds the 10 records as wanted; edge log:\n{edge.Output.Tail()}");

        await upstreams["us-east"].KillAsync();
        await Eventually.WaitUntilAsync(async () => (await DnsStatusAsync(edge)).GetProperty("last_result").GetString() == "blocked",
            DownHold + Slack, () => $"the change cap to refuse replacing 10 of 10 records; edge log:\n{edge.Output.Tail()}");
        var blocked = await DnsStatusAsync(edge);
        Assert.Contains("replaces 10 of 10 managed records", blocked.GetProperty("last_plan").GetProperty("over_change_cap").GetString(), StringComparison.Ordinal);
        Assert.All(cloudflare.Records.Where(r => r.Type == "A"), r => Assert.Equal(UsEast, r.Content));

        using var force = new HttpRequestMessage(HttpMethod.Post, "/admin/dns/force");
        force.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminToken);
        using var forced = await edge.SendAdminAsync(force);
        Assert.Equal(HttpStatusCode.Accepted, forced.StatusCode);
        await Eventually.WaitUntilAsync(() => cloudflare.Records.Where(r => r.Type == "A").All(r => r.Content == EuWest), TimeSpan.FromSeconds(10),
            () => $"the forced round to move all 10 records; edge log:\n{edge.Output.Tail()}");
        output.WriteLine($"change cap: refused, then forced; requests {Describe(cloudflare.RequestCounts)}");
        Assert.Equal(10, cloudflare.Records.Count(r => r.Type == "A"));
    }

    [Fact]
    public async Task Cloudflare_ConfigReloadWithNewAddress_IsPushedAtOnce_InvalidReloadChangesNothing()
    {
        await using var cloudflare = await CloudflareEmulator.StartAsync();
        using var upstreams = await UpstreamGroup.StartAsync(Regions);
        var token = new Dictionary<string, string?> { ["CLOUDFLARE_API_TOKEN"] = cloudflare.Token };
        using var edge = await DnsTestEdge.StartAsync(upstreams, CloudflareDns(cloudflare, "edge-fleet-1"), token);
        await WaitForCloudflareAsync(cloudflare, [UsEast], TimeSpan.FromSeconds(15), edge);
        var config = File.ReadAllText(edge.ConfigPath);

        edge.RewriteConfig(config.Replace($"\"us-east\": [\"{UsEast}\"]", "\"us-east\": [\"not-an-address\"]", StringComparison.Ordinal));
        await edge.Output.WaitForStderrAsync("not-an-address", TimeSpan.FromSeconds(10));
        Assert.Equal([UsEast], ApiAddresses(cloudflare));
        edge.RewriteConfig(config.Replace($"\"us-east\": [\"{UsEast}\"]", "\"us-east\": [\"198.51.100.11\"]", StringComparison.Ordinal));
        var clock = Stopwatch.StartNew();
        await WaitForCloudflareAsync(cloudflare, ["198.51.100.11"], TimeSpan.FromSeconds(10), edge);

        output.WriteLine($"reload with a new address: pushed {clock.ElapsedMilliseconds} ms after the rewrite (Interval 30 s)");
        Assert.True(edge.Output.StderrContains("Dns.Records[0].Regions.us-east[0]: \"not-an-address\" is not an IPv4 address"), "the rejected reload names the path");
    }

    [Fact]
    public async Task Cloudflare_EdgeRestartedDuringUpHold_StillWaitsTheWholeUpHold()
    {
        await using var cloudflare = await CloudflareEmulator.StartAsync();
        using var upstreams = await UpstreamGroup.StartAsync(Regions);
        var token = new Dictionary<string, string?> { ["CLOUDFLARE_API_TOKEN"] = cloudflare.Token };
        var dns = CloudflareDns(cloudflare, "edge-fleet-1");
        using (var first = await DnsTestEdge.StartAsync(upstreams, dns, token))
        {
            await WaitForCloudflareAsync(cloudflare, [UsEast], TimeSpan.FromSeconds(15), first);
            await upstreams["us-east"].KillAsync();
            await WaitForCloudflareAsync(cloudflare, [EuWest], DownHold + Slack, first);
        }

        // The primary comes back and the edge restarts (a deploy) right away: the new process must not skip the hold.
        await upstreams["us-east"].RestartAsync();
        var clock = Stopwatch.StartNew();
        using var second = await DnsTestEdge.StartAsync(upstreams, dns, token);
        await Eventually.WaitUntilAsync(async () => (await DnsStatusAsync(second)).GetProperty("last_result").ValueKind == JsonValueKind.String,
            TimeSpan.FromSeconds(15), () => $"the restarted edge's first round; edge log:\n{second.Output.Tail()}");
        var firstRound = clock.Elapsed;
        Assert.Equal([EuWest], ApiAddresses(cloudflare));
        await WaitForCloudflareAsync(cloudflare, [UsEast], UpHold + Slack, second);
        var returned = clock.Elapsed;

        output.WriteLine($"restarted edge: first round {firstRound.TotalMilliseconds:0} ms after start, record back on us-east {returned.TotalMilliseconds:0} ms after start (up hold {UpHold.TotalSeconds} s)");
        Assert.True(returned >= UpHold, $"the restarted edge moved the record back after {returned.TotalMilliseconds:0} ms, before the up hold time");
    }

    [Fact]
    public async Task Cloudflare_PrimaryDrainedByAdmin_LeavesDnsAfterTheDownHold_ReturnsAfterTheUpHold()
    {
        const string adminToken = "dns-drain-admin-token";
        await using var cloudflare = await CloudflareEmulator.StartAsync();
        using var upstreams = await UpstreamGroup.StartAsync(Regions);
        using var edge = await DnsTestEdge.StartAsync(upstreams, CloudflareDns(cloudflare, "edge-fleet-1"),
            new Dictionary<string, string?> { ["CLOUDFLARE_API_TOKEN"] = cloudflare.Token, ["NEUROPILOT_EDGE_ADMIN_TOKEN"] = adminToken });
        await WaitForCloudflareAsync(cloudflare, [UsEast], TimeSpan.FromSeconds(15), edge);

        var clock = Stopwatch.StartNew();
        await AdminPostAsync(edge, "/admin/services/api/regions/us-east/drain", adminToken);
        await WaitForCloudflareAsync(cloudflare, [EuWest], DownHold + Slack, edge);
        var drained = clock.Elapsed;

        clock.Restart();
        await AdminPostAsync(edge, "/admin/services/api/regions/us-east/undrain", adminToken);
        await WaitForCloudflareAsync(cloudflare, [UsEast], UpHold + Slack, edge);
        var undrained = clock.Elapsed;

        output.WriteLine($"drain -> eu-west in Cloudflare after {drained.TotalMilliseconds:0} ms; undrain -> us-east after {undrained.TotalMilliseconds:0} ms");
        Assert.True(drained >= DownHold, $"moved {drained.TotalMilliseconds:0} ms after the drain, before the down hold time");
        Assert.True(undrained >= UpHold, $"returned {undrained.TotalMilliseconds:0} ms after the undrain, before the up hold time");
    }

    [Fact]
    public async Task Knot_PrimaryKilledThenBack_ThenEveryRegionKilled_AnswerFollowsThenIsKeptWithAlarm()
    {
        using var knot = await KnotServer.StartAsync(KnotServer.MinimalZoneText() + """
            www  300 A   203.0.113.5
            api  300 TXT "v=spf1 -all"

            """);
        using var upstreams = await UpstreamGroup.StartAsync(Regions);
        var dns = $$"""
            "Dns": {
              "Provider": "rfc2136", "OwnerId": "edge-fleet-1", "Interval": "2s", "DownHoldTime": "2s", "UpHoldTime": "4s",
              "Records": [ {{Record("api.example.com")}} ],
              "Rfc2136": { "Server": "127.0.0.1:{{knot.Port}}", "Zone": "example.com.", "TsigKeyName": "{{knot.KeyName}}", "TsigAlgorithm": "hmac-sha256" }
            }
            """;
        using var edge = await DnsTestEdge.StartAsync(upstreams, dns, new Dictionary<string, string?> { ["NEUROPILOT_EDGE_TSIG_SECRET"] = knot.Secret });
        var lookup = new LookupClient(new LookupClientOptions(new NameServer(IPAddress.Loopback, knot.Port)) { UseCache = false, Timeout = TimeSpan.FromSeconds(1), Retries = 0 });

        var clock = Stopwatch.StartNew();
        await WaitForAnswerAsync(lookup, [UsEast], TimeSpan.FromSeconds(15), edge);
        var published = clock.Elapsed;

        clock.Restart();
        await upstreams["us-east"].KillAsync();
        await WaitForAnswerAsync(lookup, [EuWest], DownHold + Slack, edge);
        var moved = clock.Elapsed;

        clock.Restart();
        await upstreams["us-east"].RestartAsync();
        await WaitForAnswerAsync(lookup, [UsEast], UpHold + Slack, edge);
        var returned = clock.Elapsed;

        clock.Restart();
        foreach (var upstream in upstreams.All)
        {
            await upstream.KillAsync();
        }

        await Eventually.WaitUntilAsync(async () => PrometheusText.Sum(await edge.GetMetricsTextAsync(), "neuropilot_edge_dns_never_empty_blocked") == 1,
            DownHold + Slack, "the never-empty alarm");
        var alarmed = clock.Elapsed;

        // Regions die one after another as the probes see them, so the last survivor may have been published for a
        // moment; from the alarm on, every region is down and whatever is served must stay, through later rounds.
        var answerAtAlarm = await AnswerAsync(lookup);
        var roundsAtAlarm = PrometheusText.Sum(await edge.GetMetricsTextAsync(), "neuropilot_edge_dns_pushes_total") ?? 0;
        await Eventually.WaitUntilAsync(async () => PrometheusText.Sum(await edge.GetMetricsTextAsync(), "neuropilot_edge_dns_pushes_total") >= roundsAtAlarm + 2,
            TimeSpan.FromSeconds(10), "two more rounds (Interval 2 s) during the outage");
        var status = await DnsStatusAsync(edge);
        var answerDuringOutage = await AnswerAsync(lookup);
        var metrics = await edge.GetMetricsTextAsync();

        output.WriteLine($"Knot: first answer {published.TotalMilliseconds:0} ms after start; kill -9 primary -> eu-west served by Knot after {moved.TotalMilliseconds:0} ms " +
                         $"(down hold {DownHold.TotalSeconds} s); restart -> us-east served after {returned.TotalMilliseconds:0} ms (up hold {UpHold.TotalSeconds} s); " +
                         $"every region killed -> alarm after {alarmed.TotalMilliseconds:0} ms, answer [{string.Join(", ", answerAtAlarm)}] then, [{string.Join(", ", answerDuringOutage)}] two rounds later");
        output.WriteLine($"served-after histogram: count {PrometheusText.Sum(metrics, "neuropilot_edge_dns_served_seconds_count")}, " +
                         $"sum {PrometheusText.Sum(metrics, "neuropilot_edge_dns_served_seconds_sum") * 1000:0.0} ms");
        Assert.True(moved >= DownHold, $"the answer moved {moved.TotalMilliseconds:0} ms after the kill, before the down hold time");
        Assert.True(returned >= UpHold, $"the answer returned {returned.TotalMilliseconds:0} ms after the restart, before the up hold time");
        Assert.Single(answerAtAlarm);
        Assert.Contains(answerAtAlarm[0], new[] { UsEast, EuWest, ApSouth });
        Assert.Equal(answerAtAlarm, answerDuringOutage);
        Assert.True(status.GetProperty("never_empty_blocked").GetBoolean());
        Assert.Equal("api.example.com A", status.GetProperty("never_empty_records")[0].GetString());
        Assert.True(edge.Output.StderrContains("never-empty rule"), "the never-empty alarm is logged");
        Assert.Equal("203.0.113.5", await knot.DigAsync("www.example.com", "A"));
        Assert.Equal("\"v=spf1 -all\"", await knot.DigAsync("api.example.com", "TXT"));
        Assert.Equal("\"heritage=neuropilot-edge,owner=edge-fleet-1\"", await knot.DigAsync("_neuropilot-edge.a.api.example.com", "TXT"));
    }

    private static string Record(string name, string policy = "failover") => $$"""
        { "Name": "{{name}}", "Type": "A", "Ttl": 60, "Service": "api", "Policy": "{{policy}}",
          "Regions": { "us-east": ["{{UsEast}}"], "eu-west": ["{{EuWest}}"], "ap-south": ["{{ApSouth}}"] } }
        """;

    private static string CloudflareDns(
        CloudflareEmulator cloudflare, string owner, string interval = "30s", string policy = "failover", string? extraRecord = null, bool dryRun = false, string downHold = "2s") => $$"""
        "Dns": {
          "Provider": "cloudflare", "OwnerId": "{{owner}}", "Interval": "{{interval}}", "DownHoldTime": "{{downHold}}", "UpHoldTime": "4s", "DryRun": {{(dryRun ? "true" : "false")}},
          "Records": [ {{Record("api.example.com", policy)}}{{(extraRecord is null ? "" : ", " + extraRecord)}} ],
          "Cloudflare": { "ZoneId": "{{cloudflare.ZoneId}}", "ApiBaseUrl": "{{cloudflare.BaseUrl}}" }
        }
        """;

    private static async Task AdminPostAsync(EdgeProcess edge, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await edge.SendAdminAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<JsonElement> DnsStatusAsync(EdgeProcess edge) => (await edge.GetStatusJsonAsync()).GetProperty("dns");

    private static string[] ApiAddresses(CloudflareEmulator cloudflare) =>
        [.. cloudflare.Records.Where(r => r.Name == "api.example.com" && r.Type == "A").Select(r => r.Content).Order(StringComparer.Ordinal)];

    private static int Writes(CloudflareEmulator cloudflare) => cloudflare.Requests.Count(r => r.Method != "GET");

    private static async Task WaitForCloudflareAsync(CloudflareEmulator cloudflare, string[] addresses, TimeSpan deadline, EdgeProcess edge) =>
        await Eventually.WaitUntilAsync(() => ApiAddresses(cloudflare).SequenceEqual(addresses), deadline,
            () => $"api.example.com A = [{string.Join(", ", addresses)}] in the emulator; it holds [{string.Join(", ", ApiAddresses(cloudflare))}]; edge log:\n{edge.Output.Tail()}");

    private static async Task<string[]> AnswerAsync(LookupClient lookup)
    {
        var response = await lookup.QueryAsync("api.example.com", QueryType.A);
        return [.. response.Answers.ARecords().Select(a => a.Address.ToString()).Order(StringComparer.Ordinal)];
    }

    private static async Task WaitForAnswerAsync(LookupClient lookup, string[] addresses, TimeSpan deadline, EdgeProcess edge)
    {
        string[] last = [];
        await Eventually.WaitUntilAsync(async () => (last = await AnswerAsync(lookup)).SequenceEqual(addresses), deadline,
            () => $"Knot to answer api.example.com A [{string.Join(", ", addresses)}]; it answers [{string.Join(", ", last)}]; edge log:\n{edge.Output.Tail()}");
    }

    private static string Describe(IReadOnlyDictionary<string, int> counts) => string.Join(", ", counts.Select(c => $"{c.Key}: {c.Value}"));
}

using System.Diagnostics;
using System.Text.Json;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Dns;
using NeuroPilot.Edge.Tests.TestKit.Etcd;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// Three real edges in a fleet over a real 3-member etcd, pushing to the Cloudflare emulator: one DNS writer; one edge
/// alone seeing us-east down does not move DNS; the leader killed, another leads within the lease TTL and DNS stays
/// right with no write at all.
/// </summary>
public sealed class FleetDnsTests(ITestOutputHelper output)
{
    private const string UsEast = "198.51.100.10";
    private static readonly string[] Regions = ["us-east", "eu-west"];
    private static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan DownHold = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Fleet_OneEdgeAloneSeesUsEastDown_DnsUnchanged_LeaderKilled_AnotherLeadsWithoutAWrite()
    {
        using var etcd = await EtcdCluster.StartAsync();
        await using var cloudflare = await CloudflareEmulator.StartAsync();
        using var shared = await UpstreamGroup.StartAsync(Regions);
        using var ownOfA = await UpstreamGroup.StartAsync(Regions); // edge-a's own path to us-east, to break alone
        var edges = new Dictionary<string, EdgeProcess>
        {
            ["edge-a"] = await StartEdgeAsync("edge-a", etcd, cloudflare, ownOfA),
            ["edge-b"] = await StartEdgeAsync("edge-b", etcd, cloudflare, shared),
            ["edge-c"] = await StartEdgeAsync("edge-c", etcd, cloudflare, shared),
        };
        try
        {
            await Eventually.WaitUntilAsync(() => ApiAddresses(cloudflare).SequenceEqual([UsEast]), Deadline, () => $"us-east published ({Describe(cloudflare)})");
            var leader = await OneLeaderAsync(edges, Deadline);
            foreach (var (id, edge) in edges.Where(e => e.Key != leader))
            {
                // The DNS loop looks at the leadership every 500 ms: it may be a turn behind /admin/fleet.
                var state = "";
                await Eventually.WaitUntilAsync(async () =>
                {
                    var dns = (await edge.GetStatusJsonAsync()).GetProperty("dns");
                    state = $"{dns.GetProperty("state").GetString()} {(dns.TryGetProperty("leader", out var named) ? named.GetString() : "(none)")}";
                    return state == $"following {leader}";
                }, Deadline, () => $"{id}'s DNS follows {leader} (now {state})");
                Assert.DoesNotContain("neuropilot_edge_dns_pushes_total{", await edge.GetMetricsTextAsync(), StringComparison.Ordinal);
            }

            var writes = Writes(cloudflare);
            output.WriteLine($"leader {leader}; {writes} write(s) to publish us-east");

            // edge-a alone loses us-east: it routes around it, but DNS keeps it past the down hold.
            await ownOfA["us-east"].KillAsync();
            await Eventually.WaitUntilAsync(async () => await UsEastQuorumAsync(edges[leader]) is { Unusable: 1, Decision: "up" }, Deadline,
                "the leader's quorum counts edge-a's us-east down, one of three");
            var moved = false;
            var watched = Stopwatch.StartNew();
            await Eventually.WaitUntilAsync(() =>
            {
                moved |= !ApiAddresses(cloudflare).SequenceEqual([UsEast]);
                return watched.Elapsed >= DownHold * 2;
            }, Deadline, "two down holds watched");
            Assert.False(moved, $"DNS moved on one edge's view: {Describe(cloudflare)}");

            var killed = Stopwatch.StartNew();
            edges[leader].Dispose(); // SIGKILL: no resign, no revoke; the lease must run out
            var survivors = edges.Where(e => e.Key != leader).ToDictionary();
            var next = await OneLeaderAsync(survivors, LeaseTtl + TimeSpan.FromSeconds(4));
            output.WriteLine($"{next} leads {killed.ElapsedMilliseconds} ms after {leader} was killed (lease TTL {LeaseTtl.TotalSeconds} s)");
            await Eventually.WaitUntilAsync(async () => (await survivors[next].GetStatusJsonAsync()).GetProperty("dns").GetProperty("last_result").GetString() == "unchanged",
                Deadline, $"{next}'s first round finds DNS as it should be");

            Assert.Equal([UsEast], ApiAddresses(cloudflare));
            Assert.Equal(writes, Writes(cloudflare));
            Assert.Contains("neuropilot_edge_fleet_leader 1", await survivors[next].GetMetricsTextAsync(), StringComparison.Ordinal);
        }
        finally
        {
            foreach (var (id, edge) in edges)
            {
                output.WriteLine($"{id}:\n{edge.Output.Tail(15)}");
                edge.Dispose();
            }
        }
    }

    /// <summary>Waits until exactly one edge says it leads and every edge names it; returns its id.</summary>
    private static async Task<string> OneLeaderAsync(IReadOnlyDictionary<string, EdgeProcess> edges, TimeSpan deadline)
    {
        string? leader = null;
        var seen = "";
        await Eventually.WaitUntilAsync(async () =>
        {
            var leaders = new List<string>();
            var named = new HashSet<string?>();
            foreach (var (id, edge) in edges)
            {
                var status = (await FleetAsync(edge)).GetProperty("leader");
                named.Add(status.GetProperty("edge_id").GetString());
                if (status.GetProperty("this_edge").GetBoolean())
                {
                    leaders.Add(id);
                }
            }

            seen = $"leading: [{string.Join(", ", leaders)}], named: [{string.Join(", ", named)}]";
            leader = leaders.Count == 1 && named.Count == 1 && named.Contains(leaders[0]) ? leaders[0] : null;
            return leader is not null;
        }, deadline, () => $"one leader named by all ({seen})");
        return leader!;
    }

    private static async Task<(int Unusable, string? Decision)?> UsEastQuorumAsync(EdgeProcess edge)
    {
        foreach (var region in (await FleetAsync(edge)).GetProperty("quorum").EnumerateArray())
        {
            if (region.GetProperty("region").GetString() == "us-east")
            {
                return (region.GetProperty("see_unusable").GetInt32(), region.GetProperty("decision").GetString());
            }
        }

        return null;
    }

    private static Task<EdgeProcess> StartEdgeAsync(string edgeId, EtcdCluster etcd, CloudflareEmulator cloudflare, UpstreamGroup upstreams)
    {
        var endpoints = string.Join(", ", etcd.ClientUrls.Select(u => $"\"{u}\""));
        var dns = $$"""
            "Dns": {
              "Provider": "cloudflare", "OwnerId": "edge-fleet-1", "Interval": "30s", "DownHoldTime": "{{DownHold.TotalSeconds}}s", "UpHoldTime": "4s",
              "Records": [ { "Name": "api.example.com", "Type": "A", "Ttl": 60, "Service": "api", "Policy": "failover",
                             "Regions": { "us-east": ["198.51.100.10"], "eu-west": ["198.51.100.20"] } } ],
              "Cloudflare": { "ZoneId": "{{cloudflare.ZoneId}}", "ApiBaseUrl": "{{cloudflare.BaseUrl}}" }
            },
            "Fleet": { "Etcd": { "Endpoints": [{{endpoints}}] }, "Prefix": "/fleet-dns-test/", "EdgeId": "{{edgeId}}", "LeaseTtl": "{{LeaseTtl.TotalSeconds}}s" }
            """;
        return DnsTestEdge.StartAsync(upstreams, dns, new Dictionary<string, string?> { ["CLOUDFLARE_API_TOKEN"] = cloudflare.Token });
    }

    private static async Task<JsonElement> FleetAsync(EdgeProcess edge)
    {
        using var response = await edge.SendAdminAsync(new HttpRequestMessage(HttpMethod.Get, "/admin/fleet"));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    private static string[] ApiAddresses(CloudflareEmulator cloudflare) =>
        [.. cloudflare.Records.Where(r => r.Name == "api.example.com" && r.Type == "A").Select(r => r.Content).Order(StringComparer.Ordinal)];

    private static int Writes(CloudflareEmulator cloudflare) => cloudflare.Requests.Count(r => r.Method != "GET");

    private static string Describe(CloudflareEmulator cloudflare) =>
        $"api.example.com A [{string.Join(", ", ApiAddresses(cloudflare))}], {Writes(cloudflare)} writes";
}

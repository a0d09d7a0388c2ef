using System.Diagnostics;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Dns;
using NeuroPilot.Edge.Tests.TestKit.Etcd;
using Xunit.Abstractions;
using static NeuroPilot.Edge.Tests.Functional.FleetTestEdge;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// Three real edges in a fleet over a real 3-member etcd, pushing to the Cloudflare emulator: one DNS writer; one edge
/// alone seeing us-east down does not move DNS; the leader killed, another leads within the lease TTL and DNS stays
/// right with no write at all.
/// </summary>
public sealed class FleetDnsTests(ITestOutputHelper output)
{
    private const string Prefix = "/fleet-dns-test/";
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
            ["edge-a"] = await FleetTestEdge.StartAsync("edge-a", etcd.ClientUrls, Prefix, cloudflare, ownOfA),
            ["edge-b"] = await FleetTestEdge.StartAsync("edge-b", etcd.ClientUrls, Prefix, cloudflare, shared),
            ["edge-c"] = await FleetTestEdge.StartAsync("edge-c", etcd.ClientUrls, Prefix, cloudflare, shared),
        };
        try
        {
            await Eventually.WaitUntilAsync(() => ApiAddresses(cloudflare).SequenceEqual([UsEast]), Deadline, () => $"us-east published ({Describe(cloudflare)})");
            var leader = await OneLeaderAsync(edges, Deadline);
            await FollowersFollowAsync(edges, leader, Deadline);
            foreach (var (_, edge) in edges.Where(e => e.Key != leader))
            {
                Assert.DoesNotContain("neuropilot_edge_dns_pushes_total{", await edge.GetMetricsTextAsync(), StringComparison.Ordinal);
            }

            var writes = Writes(cloudflare);
            output.WriteLine($"leader {leader}; {writes} write(s) to publish us-east");

            // edge-a alone loses us-east: it routes around it, but DNS keeps it past the down hold.
            await ownOfA["us-east"].KillAsync();
            await Eventually.WaitUntilAsync(async () => await QuorumAsync(edges[leader], "us-east") is { Unusable: 1, Decision: "up" }, Deadline,
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
}

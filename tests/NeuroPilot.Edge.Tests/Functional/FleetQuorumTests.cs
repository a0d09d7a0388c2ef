using System.Diagnostics;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Dns;
using NeuroPilot.Edge.Tests.TestKit.Etcd;
using Xunit.Abstractions;
using static NeuroPilot.Edge.Tests.Functional.FleetTestEdge;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// Three real edges in a fleet over a real 3-member etcd, writing to the Cloudflare emulator, in the situations the
/// quorum and the election exist for: a majority of edges seeing us-east down moves DNS (and back); etcd losing one
/// member changes nothing, losing two pauses DNS on every edge while proxying goes on, and its return converges
/// without a write; an edge cut off from etcd (the leader, and a follower) never writes, though it sees a region down.
/// </summary>
public sealed class FleetQuorumTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = FleetRig.Deadline;

    /// <summary>
    /// How long DNS may pause while etcd keeps its majority: less than the lease TTL (a call that hangs through etcd's
    /// own re-election, up to the call timeout, and the retry after it), so no lease lapses and the same edge leads.
    /// </summary>
    private static readonly TimeSpan MaxBlip = LeaseTtl;

    [Fact]
    public async Task DnsQuorum_TwoOfThreeEdgesSeeUsEastDown_DnsMovesItOutAfterTheHold_AndBackWhenItReturns()
    {
        await using var fleet = await FleetRig.StartAsync("/fleet-quorum-majority/", output);
        using var pair = await UpstreamGroup.StartAsync(Regions); // edge-a and edge-b's path to us-east, to break for both
        using var own = await UpstreamGroup.StartAsync(Regions);
        await fleet.AddAsync("edge-a", pair);
        await fleet.AddAsync("edge-b", pair);
        await fleet.AddAsync("edge-c", own);
        var leader = await fleet.PublishedAndLedAsync();
        var writes = Writes(fleet.Cloudflare);

        var killed = Stopwatch.StartNew();
        await pair["us-east"].KillAsync();
        await Eventually.WaitUntilAsync(() => ApiAddresses(fleet.Cloudflare).SequenceEqual([EuWest]), Deadline, () => $"us-east out of DNS ({Describe(fleet.Cloudflare)})");
        var movedOut = killed.Elapsed;
        Assert.True(movedOut >= DownHold, $"DNS moved {movedOut.TotalMilliseconds:0} ms after the kill, before the {DownHold.TotalSeconds} s down hold");
        Assert.Equal<(int, int, int, string?)?>((1, 2, 2, "down"), await QuorumAsync(fleet.Edges[leader], "us-east")); // usable, unusable, required
        var outWrites = Writes(fleet.Cloudflare) - writes;

        var revived = Stopwatch.StartNew();
        await pair["us-east"].RestartAsync();
        await Eventually.WaitUntilAsync(() => ApiAddresses(fleet.Cloudflare).SequenceEqual([UsEast]), Deadline, () => $"us-east back in DNS ({Describe(fleet.Cloudflare)})");
        var movedBack = revived.Elapsed;
        Assert.True(movedBack >= UpHold, $"DNS returned {movedBack.TotalMilliseconds:0} ms after the restart, before the {UpHold.TotalSeconds} s up hold");
        var backWrites = Writes(fleet.Cloudflare) - writes - outWrites;

        output.WriteLine($"leader {leader}: us-east out of DNS {movedOut.TotalMilliseconds:0} ms after edge-a and edge-b lost it " +
            $"({outWrites} write(s)); back {movedBack.TotalMilliseconds:0} ms after it returned ({backWrites} write(s)); " +
            $"probes 1 s x 2, down hold {DownHold.TotalSeconds} s, up hold {UpHold.TotalSeconds} s");
        Assert.Equal((1, 1), (outWrites, backWrites)); // one batch each way, from the leader alone
        var metrics = await fleet.Edges[leader].GetMetricsTextAsync();
        Assert.Contains("neuropilot_edge_fleet_quorum_decisions_total{service=\"api\",region=\"us-east\",decision=\"down\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("neuropilot_edge_fleet_quorum_decisions_total{service=\"api\",region=\"us-east\",decision=\"up\"} 1", metrics, StringComparison.Ordinal);
        await fleet.FollowersMadeNoProviderCallAsync(leader);
    }

    [Fact]
    public async Task EtcdMembers_OneStoppedChangesNothing_TwoStoppedPauseDnsEverywhereWhileProxyingGoesOn_RestartedConvergeWithoutAWrite()
    {
        await using var fleet = await FleetRig.StartAsync("/fleet-quorum-etcd/", output);
        using var upstreams = await UpstreamGroup.StartAsync(Regions);
        foreach (var id in (string[])["edge-a", "edge-b", "edge-c"])
        {
            await fleet.AddAsync(id, upstreams);
        }

        var leader = await fleet.PublishedAndLedAsync();
        var writes = Writes(fleet.Cloudflare);

        // One member gone (the raft leader: the hardest one to lose): etcd keeps its majority; the fleet must not notice.
        var first = await fleet.Etcd.RaftLeaderAsync() ?? 0;
        var stopped = Stopwatch.StartNew();
        await fleet.Etcd.StopMemberAsync(first);
        var (longestPause, pausedLooks) = await fleet.WatchPausesAsync(LeaseTtl * 2);
        Assert.Equal(leader, await OneLeaderAsync(fleet.Edges, Deadline));
        Assert.Equal(writes, Writes(fleet.Cloudflare));
        await fleet.ServesEverywhereAsync();
        output.WriteLine($"etcd {EtcdCluster.MemberName(first)} (raft leader) stopped: {leader} still leads; longest DNS pause on any edge " +
            $"{longestPause.TotalMilliseconds:0} ms ({pausedLooks} look(s) found one paused) in {stopped.ElapsedMilliseconds} ms watched");
        Assert.True(longestPause < MaxBlip, $"DNS paused for {longestPause.TotalMilliseconds:0} ms with etcd's majority up (at most {MaxBlip.TotalMilliseconds} ms allowed)");
        await fleet.Etcd.StartMemberAsync(first);

        // Two gone: no majority, nobody can prove it leads. DNS pauses on every edge and says why; proxying goes on.
        var second = (first + 1) % fleet.Etcd.Size;
        stopped.Restart();
        await fleet.Etcd.StopMemberAsync(first);
        await fleet.Etcd.StopMemberAsync(second);
        foreach (var (id, edge) in fleet.Edges)
        {
            var seen = "";
            await Eventually.WaitUntilAsync(async () =>
            {
                var dns = await DnsAsync(edge);
                seen = $"{dns.State} ({dns.PausedReason})";
                return seen == "paused (fleet etcd unreachable)";
            }, Deadline, () => $"{id}'s DNS paused because etcd is unreachable (now {seen})");
            Assert.Contains("neuropilot_edge_dns_paused 1", await edge.GetMetricsTextAsync(), StringComparison.Ordinal);
            Assert.Contains("neuropilot_edge_fleet_leader 0", await edge.GetMetricsTextAsync(), StringComparison.Ordinal);
            await edge.Output.WaitForStderrAsync("DNS paused: fleet etcd unreachable", Deadline);
        }

        output.WriteLine($"two etcd members stopped: DNS paused on all three edges within {stopped.ElapsedMilliseconds} ms");
        await fleet.ServesEverywhereAsync();

        var restarted = Stopwatch.StartNew();
        await fleet.Etcd.StartMemberAsync(first, waitUntilHealthy: false);
        await fleet.Etcd.StartMemberAsync(second, waitUntilHealthy: false);
        await fleet.Etcd.WaitUntilHealthyAsync(first);
        await fleet.Etcd.WaitUntilHealthyAsync(second);
        var next = await fleet.LedAsync();
        output.WriteLine($"etcd whole again: {next} leads, every edge follows it, {restarted.ElapsedMilliseconds} ms after the restart");
        await fleet.RoundFindsDnsUnchangedAsync(next);
        Assert.Equal([UsEast], ApiAddresses(fleet.Cloudflare));
        Assert.Equal(writes, Writes(fleet.Cloudflare));
    }

    [Fact]
    public async Task Partition_TheCutOffLeaderStopsWriting_AnotherLeads_AndACutOffFollowerNeverWrites_ThoughBothSeeUsEastDown()
    {
        await using var fleet = await FleetRig.StartAsync("/fleet-quorum-partition/", output);
        using var cut = await UpstreamGroup.StartAsync(Regions); // edge-a and edge-b's path to us-east, to break behind the partition
        using var whole = await UpstreamGroup.StartAsync(Regions);
        var relaysOfA = fleet.Etcd.ClientUrls.Select(u => TcpRelay.Start(new Uri(u).Port)).ToArray();
        var relaysOfB = fleet.Etcd.ClientUrls.Select(u => TcpRelay.Start(new Uri(u).Port)).ToArray();
        try
        {
            // edge-a first, so that it leads.
            await fleet.AddAsync("edge-a", cut, relaysOfA.Select(r => r.Url));
            await Eventually.WaitUntilAsync(async () => (await FleetAsync(fleet.Edges["edge-a"])).GetProperty("leader").GetProperty("this_edge").GetBoolean(), Deadline, "edge-a leads");
            await fleet.AddAsync("edge-b", cut, relaysOfB.Select(r => r.Url));
            await fleet.AddAsync("edge-c", whole);
            Assert.Equal("edge-a", await fleet.PublishedAndLedAsync());
            var writes = Writes(fleet.Cloudflare);

            // Cut edge-a (the leader) and edge-b off etcd, then break us-east behind both.
            var partitioned = Stopwatch.StartNew();
            foreach (var relay in relaysOfA.Concat(relaysOfB))
            {
                relay.Blackhole();
            }

            await cut["us-east"].KillAsync();
            var survivor = new Dictionary<string, EdgeProcess> { ["edge-c"] = fleet.Edges["edge-c"] };
            Assert.Equal("edge-c", await OneLeaderAsync(survivor, LeaseTtl + TimeSpan.FromSeconds(4)));
            var newLeader = partitioned.Elapsed;

            // Alone, each cut-off edge soon is its own quorum (the others' views it read last grow stale after 3 TTLs):
            // as leader it would move us-east out. It must not: it cannot prove it leads.
            foreach (var id in (string[])["edge-a", "edge-b"])
            {
                await Eventually.WaitUntilAsync(async () => await QuorumAsync(fleet.Edges[id], "us-east") is { Unusable: 1, Required: 1, Decision: "down" }, LeaseTtl * 3 + Deadline,
                    $"{id}, cut off, is its own quorum and finds us-east down");
            }

            var alone = partitioned.Elapsed;
            await fleet.WatchNoWriteAsync(DownHold + TimeSpan.FromSeconds(1), writes);
            foreach (var id in (string[])["edge-a", "edge-b"])
            {
                var dns = await DnsAsync(fleet.Edges[id]);
                Assert.Equal(("paused", "fleet etcd unreachable"), (dns.State, dns.PausedReason));
                Assert.Contains("neuropilot_edge_fleet_leader 0", await fleet.Edges[id].GetMetricsTextAsync(), StringComparison.Ordinal);
            }

            await fleet.ServesEverywhereAsync();
            output.WriteLine($"cut off: edge-c led {newLeader.TotalMilliseconds:0} ms after edge-a (leader) and edge-b lost etcd; both were their own quorum " +
                $"with us-east down {alone.TotalMilliseconds:0} ms after; no write in {partitioned.ElapsedMilliseconds} ms");

            // Mend us-east, then the partition: the fleet converges on edge-c, without a write.
            await cut["us-east"].RestartAsync();
            foreach (var id in (string[])["edge-a", "edge-b"])
            {
                await Eventually.WaitUntilAsync(async () => await fleet.UsableAsync(id, "us-east"), Deadline, $"{id} sees us-east usable again");
            }

            foreach (var relay in relaysOfA.Concat(relaysOfB))
            {
                relay.Restore();
            }

            Assert.Equal("edge-c", await fleet.LedAsync());
            Assert.Equal([UsEast], ApiAddresses(fleet.Cloudflare));
            Assert.Equal(writes, Writes(fleet.Cloudflare));
        }
        finally
        {
            foreach (var relay in relaysOfA.Concat(relaysOfB))
            {
                relay.Dispose();
            }
        }
    }
}

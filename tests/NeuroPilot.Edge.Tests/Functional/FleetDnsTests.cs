using System.Diagnostics;
using NeuroPilot.Edge.Tests.TestKit;
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
    private static readonly TimeSpan Deadline = FleetRig.Deadline;

    [Fact]
    public async Task Fleet_OneEdgeAloneSeesUsEastDown_DnsUnchanged_LeaderKilled_AnotherLeadsWithoutAWrite()
    {
        await using var fleet = await FleetRig.StartAsync("/fleet-dns-test/", output);
        using var shared = await UpstreamGroup.StartAsync(Regions);
        using var ownOfA = await UpstreamGroup.StartAsync(Regions); // edge-a's own path to us-east, to break alone
        await fleet.AddAsync("edge-a", ownOfA);
        await fleet.AddAsync("edge-b", shared);
        await fleet.AddAsync("edge-c", shared);
        var leader = await fleet.PublishedAndLedAsync();
        await fleet.FollowersMadeNoProviderCallAsync(leader);
        var writes = Writes(fleet.Cloudflare);
        output.WriteLine($"leader {leader}; {writes} write(s) to publish us-east");

        // edge-a alone loses us-east: it routes around it, but DNS keeps it past the down hold.
        await ownOfA["us-east"].KillAsync();
        await Eventually.WaitUntilAsync(async () => await QuorumAsync(fleet.Edges[leader], "us-east") is { Unusable: 1, Decision: "up" }, Deadline,
            "the leader's quorum counts edge-a's us-east down, one of three");
        await fleet.WatchNoWriteAsync(DownHold * 2, writes);

        var killed = Stopwatch.StartNew();
        fleet.Edges[leader].Dispose(); // SIGKILL: no resign, no revoke; the lease must run out
        var survivors = fleet.Edges.Where(e => e.Key != leader).ToDictionary();
        var next = await OneLeaderAsync(survivors, LeaseTtl + TimeSpan.FromSeconds(4));
        output.WriteLine($"{next} leads {killed.ElapsedMilliseconds} ms after {leader} was killed (lease TTL {LeaseTtl.TotalSeconds} s)");
        await fleet.RoundFindsDnsUnchangedAsync(next);

        Assert.Equal([UsEast], ApiAddresses(fleet.Cloudflare));
        Assert.Equal(writes, Writes(fleet.Cloudflare));
        Assert.Contains("neuropilot_edge_fleet_leader 1", await survivors[next].GetMetricsTextAsync(), StringComparison.Ordinal);
    }
}

using System.Diagnostics;
using System.Net;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Dns;
using NeuroPilot.Edge.Tests.TestKit.Etcd;
using Xunit.Abstractions;
using static NeuroPilot.Edge.Tests.Functional.FleetTestEdge;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// A fleet under test: a real 3-member etcd, the Cloudflare emulator and the <see cref="FleetTestEdge"/> edges a test
/// adds, with the waits and watches the fleet tests share. Disposing prints each edge's last lines and stops it all.
/// </summary>
internal sealed class FleetRig(EtcdCluster etcd, CloudflareEmulator cloudflare, string prefix, ITestOutputHelper output) : IAsyncDisposable
{
    /// <summary>How long any one wait of the fleet tests may take.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public EtcdCluster Etcd => etcd;

    public CloudflareEmulator Cloudflare => cloudflare;

    public Dictionary<string, EdgeProcess> Edges { get; } = [];

    public static async Task<FleetRig> StartAsync(string prefix, ITestOutputHelper output)
    {
        var etcd = await EtcdCluster.StartAsync();
        try
        {
            return new FleetRig(etcd, await CloudflareEmulator.StartAsync(), prefix, output);
        }
        catch
        {
            etcd.Dispose();
            throw;
        }
    }

    /// <summary>Starts an edge on <paramref name="upstreams"/>, reaching etcd directly or at <paramref name="etcdUrls"/>.</summary>
    public async Task AddAsync(string id, UpstreamGroup upstreams, IEnumerable<string>? etcdUrls = null) =>
        Edges[id] = await FleetTestEdge.StartAsync(id, etcdUrls ?? etcd.ClientUrls, prefix, cloudflare, upstreams);

    /// <summary>Waits until us-east is published, one edge leads and the others' DNS follows it; returns the leader.</summary>
    public async Task<string> PublishedAndLedAsync()
    {
        await Eventually.WaitUntilAsync(() => ApiAddresses(cloudflare).SequenceEqual([UsEast]), Deadline, () => $"us-east published ({Describe(cloudflare)})");
        return await LedAsync();
    }

    /// <summary>Waits until one edge leads, every edge names it and the others' DNS follows it; returns the leader.</summary>
    public async Task<string> LedAsync()
    {
        var leader = await OneLeaderAsync(Edges, Deadline);
        await FollowersFollowAsync(Edges, leader, Deadline);
        return leader;
    }

    /// <summary>Waits until the leader's DNS has run a round and found nothing to change.</summary>
    public Task RoundFindsDnsUnchangedAsync(string leader) =>
        Eventually.WaitUntilAsync(async () => (await Edges[leader].GetStatusJsonAsync()).GetProperty("dns").GetProperty("last_result").GetString() == "unchanged",
            Deadline, $"{leader}'s round finds DNS as it should be");

    public async Task FollowersMadeNoProviderCallAsync(string leader)
    {
        foreach (var (_, edge) in Edges.Where(e => e.Key != leader))
        {
            Assert.DoesNotContain("neuropilot_edge_dns_pushes_total{", await edge.GetMetricsTextAsync(), StringComparison.Ordinal);
        }
    }

    /// <summary>A request through every edge is answered 200.</summary>
    public async Task ServesEverywhereAsync()
    {
        foreach (var (id, edge) in Edges)
        {
            using var client = edge.CreateClient();
            using var response = await client.GetAsync("/");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{id} answered {(int)response.StatusCode} while proxying should go on");
        }
    }

    public async Task<bool> UsableAsync(string id, string region)
    {
        var api = (await Edges[id].GetStatusJsonAsync()).GetProperty("services").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "api");
        var state = api.GetProperty("regions").EnumerateArray().Single(r => r.GetProperty("name").GetString() == region);
        return state.GetProperty("usable").GetBoolean();
    }

    /// <summary>
    /// Watches every edge's DNS state for <paramref name="window"/>; returns the longest stretch any of them was
    /// seen paused (zero: paused in one look at most, or never) and how many looks found an edge paused.
    /// </summary>
    public async Task<(TimeSpan Longest, int Seen)> WatchPausesAsync(TimeSpan window)
    {
        var pausedSince = new Dictionary<string, long>();
        var longest = TimeSpan.Zero;
        var seen = 0;
        var watched = Stopwatch.StartNew();
        await Eventually.WaitUntilAsync(async () =>
        {
            foreach (var (id, edge) in Edges)
            {
                var now = Stopwatch.GetTimestamp();
                if ((await DnsAsync(edge)).State == "paused")
                {
                    seen++;
                    pausedSince.TryAdd(id, now);
                    longest = Max(longest, Stopwatch.GetElapsedTime(pausedSince[id], now));
                }
                else
                {
                    pausedSince.Remove(id);
                }
            }

            return watched.Elapsed >= window;
        }, window + Deadline, "the DNS states watched");
        return (longest, seen);
    }

    /// <summary>Watches the emulator for <paramref name="window"/>: no write beyond <paramref name="writes"/>, us-east published throughout.</summary>
    public async Task WatchNoWriteAsync(TimeSpan window, int writes)
    {
        var written = false;
        var watched = Stopwatch.StartNew();
        await Eventually.WaitUntilAsync(() =>
        {
            written |= Writes(cloudflare) != writes || !ApiAddresses(cloudflare).SequenceEqual([UsEast]);
            return watched.Elapsed >= window;
        }, window + Deadline, "the Cloudflare zone watched");
        Assert.False(written, $"DNS written: {Describe(cloudflare)}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (id, edge) in Edges)
        {
            output.WriteLine($"{id}:\n{edge.Output.Tail(15)}");
            edge.Dispose();
        }

        await cloudflare.DisposeAsync();
        etcd.Dispose();
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

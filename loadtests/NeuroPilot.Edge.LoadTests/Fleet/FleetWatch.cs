using System.Diagnostics;
using System.Text.Json;
using NeuroPilot.Edge.LoadTests.Drill;
using NeuroPilot.Edge.Tests.TestKit.Dns;

namespace NeuroPilot.Edge.LoadTests.Fleet;

/// <summary>
/// Watches the fleet while the drill runs: every 50 ms, which edges say they lead (each live edge's
/// <c>/admin/fleet</c> <c>leader.this_edge</c>, asked in parallel), and every 25 ms what the Cloudflare emulator
/// publishes for the record. Both timelines are kept with their <see cref="Stopwatch"/> timestamps. Bounded by its token.
/// </summary>
internal sealed class FleetWatch(FleetSetup setup)
{
    private static readonly TimeSpan s_leaderInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan s_dnsInterval = TimeSpan.FromMilliseconds(25);

    private readonly Lock _gate = new();
    private readonly List<(long At, bool[] Leads)> _leaders = [];
    private readonly List<(long At, string Published)> _dns = [];

    /// <summary>Every leadership sample: when, and per edge whether it said it leads (false for a dead or silent one).</summary>
    public IReadOnlyList<(long At, bool[] Leads)> LeaderSamples
    {
        get
        {
            lock (_gate)
            {
                return [.. _leaders];
            }
        }
    }

    /// <summary>Every change of the published record set: when, and the addresses (sorted, comma-separated).</summary>
    public IReadOnlyList<(long At, string Published)> DnsChanges
    {
        get
        {
            lock (_gate)
            {
                return [.. _dns];
            }
        }
    }

    /// <summary>The addresses the emulator publishes for the record now, sorted, comma-separated.</summary>
    public static string Published(CloudflareEmulator cloudflare) =>
        string.Join(",", cloudflare.Records.Where(r => r.Name == FleetSetup.Record && r.Type == "A").Select(r => r.Content).Order(StringComparer.Ordinal));

    /// <summary>The edges that said they lead in the last sample.</summary>
    public IReadOnlyList<string> Leaders()
    {
        lock (_gate)
        {
            return _leaders.Count == 0 ? [] : [.. FleetSetup.EdgeIds.Where((_, i) => _leaders[^1].Leads[i])];
        }
    }

    /// <summary>The one edge that said it leads in the last sample, or null (none, or more than one).</summary>
    public int? SingleLeader()
    {
        lock (_gate)
        {
            if (_leaders.Count == 0)
            {
                return null;
            }

            var leads = _leaders[^1].Leads;
            return leads.Count(l => l) == 1 ? Array.IndexOf(leads, true) : null;
        }
    }

    public Task RunAsync(CancellationToken cancellationToken) => Task.WhenAll(WatchLeadersAsync(cancellationToken), WatchDnsAsync(cancellationToken));

    private async Task WatchLeadersAsync(CancellationToken cancellationToken)
    {
        using var client = ReadinessProbe.NewClient();
        client.Timeout = TimeSpan.FromMilliseconds(500);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var asked = Stopwatch.GetTimestamp();
                var leads = await Task.WhenAll(Enumerable.Range(0, FleetSetup.EdgeIds.Count).Select(e => LeadsAsync(client, e, cancellationToken))).ConfigureAwait(false);
                lock (_gate)
                {
                    _leaders.Add((asked, leads));
                }

                await Task.Delay(s_leaderInterval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The drill ended.
        }
    }

    private async Task<bool> LeadsAsync(HttpClient client, int edge, CancellationToken cancellationToken)
    {
        if (!setup.IsAlive(edge))
        {
            return false;
        }

        try
        {
            using var response = await client.GetAsync(setup.AdminUrl(edge, "/admin/fleet"), cancellationToken).ConfigureAwait(false);
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            return document.RootElement.TryGetProperty("leader", out var leader) &&
                leader.TryGetProperty("this_edge", out var thisEdge) && thisEdge.ValueKind == JsonValueKind.True;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task WatchDnsAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var now = Stopwatch.GetTimestamp();
                var published = Published(setup.Cloudflare!);
                lock (_gate)
                {
                    if (_dns.Count == 0 || _dns[^1].Published != published)
                    {
                        _dns.Add((now, published));
                    }
                }

                await Task.Delay(s_dnsInterval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The drill ended.
        }
    }
}

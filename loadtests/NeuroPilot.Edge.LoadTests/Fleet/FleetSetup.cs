using System.Globalization;
using NeuroPilot.Edge.LoadTests.Drill;
using NeuroPilot.Edge.Tests.TestKit.Dns;
using NeuroPilot.Edge.Tests.TestKit.Etcd;

namespace NeuroPilot.Edge.LoadTests.Fleet;

/// <summary>
/// Everything <c>drill fleet</c> runs, on loopback: a real 3-member etcd (the tests' <see cref="EtcdCluster"/>), the
/// Cloudflare emulator, one upstream per region (us-east, eu-west) shared by every edge, and three edges (edge-a,
/// edge-b, edge-c) in one fleet, each reaching every etcd member through an <see cref="EtcdRelay"/> of its own so that
/// one edge can be cut off etcd alone. Disposing stops every process it started, by pid, and deletes its folder.
/// </summary>
internal sealed class FleetSetup(string edgeBinary, string directory, FleetPlan plan) : IAsyncDisposable
{
    public const string Record = "api.example.com";
    public const string Prefix = "/neuropilot-edge-drill/";

    public static readonly IReadOnlyList<string> Regions = ["us-east", "eu-west"];
    public static readonly IReadOnlyList<string> RegionAddresses = ["198.51.100.10", "198.51.100.20"];
    public static readonly IReadOnlyList<string> EdgeIds = ["edge-a", "edge-b", "edge-c"];

    /// <summary>How long a region must be up before DNS publishes it: short, so that the fleet's first publish comes soon.</summary>
    public static readonly TimeSpan UpHold = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan s_settleTimeout = TimeSpan.FromSeconds(30);

    private readonly List<DrillProcess> _processes = [];
    private readonly List<EtcdRelay> _relays = [];
    private readonly DrillProcess?[] _upstreams = new DrillProcess?[Regions.Count];
    private readonly DrillProcess?[] _edges = new DrillProcess?[EdgeIds.Count];
    private readonly EtcdRelay[][] _relaysOf = new EtcdRelay[EdgeIds.Count][];
    private readonly int[] _edgePorts = new int[EdgeIds.Count];
    private readonly int[] _adminPorts = new int[EdgeIds.Count];
    private EtcdCluster? _etcd;

    public CloudflareEmulator? Cloudflare { get; private set; }

    public IReadOnlyList<int> EdgePorts => _edgePorts;

    public Uri AdminUrl(int edge, string path) => Url(_adminPorts[edge], path);

    public bool IsAlive(int edge) => _edges[edge] is { HasExited: false };

    public string EdgeOutput(int edge) => _edges[edge]?.Output() ?? "";

    public async Task StartAsync(TextWriter output, CancellationToken cancellationToken)
    {
        try
        {
            _etcd = await EtcdCluster.StartAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            throw new DrillException($"etcd did not start: {e.Message}", e);
        }

        Cloudflare = await CloudflareEmulator.StartAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        var upstreamPorts = new int[Regions.Count];
        for (var i = 0; i < Regions.Count; i++)
        {
            upstreamPorts[i] = DrillCommand.FreeLoopbackPort();
            _upstreams[i] = Start(Regions[i], ["upstream", "--listen", Url(upstreamPorts[i], "").ToString().TrimEnd('/'), "--region", Regions[i]]);
        }

        for (var i = 0; i < Regions.Count; i++)
        {
            await ReadinessProbe.WaitForOkAsync(_upstreams[i]!, Url(upstreamPorts[i], "/healthz"), cancellationToken).ConfigureAwait(false);
        }

        var environment = new Dictionary<string, string> { ["CLOUDFLARE_API_TOKEN"] = Cloudflare.Token };
        for (var edge = 0; edge < EdgeIds.Count; edge++)
        {
            _relaysOf[edge] = [.. _etcd.ClientUrls.Select(u => new EtcdRelay(new Uri(u)))];
            _relays.AddRange(_relaysOf[edge]);
            _edgePorts[edge] = DrillCommand.FreeLoopbackPort();
            _adminPorts[edge] = DrillCommand.FreeLoopbackPort();
            var config = Path.Combine(directory, $"{EdgeIds[edge]}.json");
            await File.WriteAllTextAsync(config, EdgeConfig(edge, upstreamPorts), cancellationToken).ConfigureAwait(false);
            _edges[edge] = Start(EdgeIds[edge], ["run", "--config", config], environment);
        }

        for (var edge = 0; edge < EdgeIds.Count; edge++)
        {
            await ReadinessProbe.WaitForOkAsync(_edges[edge]!, AdminUrl(edge, "/readyz"), cancellationToken).ConfigureAwait(false);
        }

        await output.WriteLineAsync($"  etcd {string.Join(", ", _etcd.ClientUrls)}; Cloudflare emulator {Cloudflare.BaseUrl}; " +
            string.Join(", ", Regions.Select((r, i) => $"{r} :{upstreamPorts[i]} (pid {_upstreams[i]!.ProcessId})"))).ConfigureAwait(false);
        await output.WriteLineAsync("  " + string.Join(", ", EdgeIds.Select((id, e) =>
            $"{id} :{_edgePorts[e]} (admin :{_adminPorts[e]}, pid {_edges[e]!.ProcessId})"))).ConfigureAwait(false);
    }

    /// <summary>Waits (bounded) until DNS publishes the primary and exactly one edge leads; its index.</summary>
    public async Task<int> WaitUntilSettledAsync(FleetWatch watch, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_settleTimeout);
        try
        {
            while (true)
            {
                if (FleetWatch.Published(Cloudflare!) == RegionAddresses[0] && watch.SingleLeader() is { } leader)
                {
                    return leader;
                }

                await Task.Delay(50, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DrillException($"the fleet did not settle within {s_settleTimeout.TotalSeconds:0} s: DNS {Record} A [{FleetWatch.Published(Cloudflare!)}], " +
                $"leaders [{string.Join(", ", watch.Leaders())}]{Environment.NewLine}{Tail(EdgeOutput(0))}");
        }
    }

    /// <summary>SIGKILL to the edge (no resign, no lease revoke: its lease must run out).</summary>
    public Task KillEdgeAsync(int edge) => _edges[edge]!.KillAsync();

    /// <summary>Cuts the edge off every etcd member (its relays turn into black holes); it keeps proxying.</summary>
    public void Partition(int edge)
    {
        foreach (var relay in _relaysOf[edge])
        {
            relay.Partition();
        }
    }

    /// <summary>SIGKILL to the primary region's upstream, which every edge uses: the primary fails for all of them.</summary>
    public Task FailPrimaryAsync() => _upstreams[0]!.KillAsync();

    public async ValueTask DisposeAsync()
    {
        // Every process at once (each: SIGCONT, SIGTERM, SIGKILL after 5 s), by pid; then etcd and the emulator.
        await Task.WhenAll(_processes.Select(p => p.DisposeAsync().AsTask())).ConfigureAwait(false);
        foreach (var relay in _relays)
        {
            await relay.DisposeAsync().ConfigureAwait(false);
        }

        _etcd?.Dispose();
        if (Cloudflare is not null)
        {
            await Cloudflare.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A temp directory: best effort.
        }
    }

    private DrillProcess Start(string name, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var process = DrillProcess.Start(name, edgeBinary, arguments, environment);
        _processes.Add(process);
        return process;
    }

    private string EdgeConfig(int edge, int[] upstreamPorts)
    {
        static string S(int value) => value.ToString(CultureInfo.InvariantCulture);
        var regions = string.Join(", ", Regions.Select((r, i) => $$"""{ "Name": "{{r}}", "Destinations": ["http://127.0.0.1:{{S(upstreamPorts[i])}}"] }"""));
        var addresses = string.Join(", ", Regions.Select((r, i) => $"\"{r}\": [\"{RegionAddresses[i]}\"]"));
        var endpoints = string.Join(", ", _relaysOf[edge].Select(r => $"\"{r.Url}\""));
        return $$"""
            {
              "Edge": {
                "Listen": ["http://127.0.0.1:{{S(_edgePorts[edge])}}"],
                "Admin": { "Listen": "http://127.0.0.1:{{S(_adminPorts[edge])}}" },
                "DrainTimeout": "2s"
              },
              "Services": {
                "api": {
                  "Regions": [ {{regions}} ],
                  "HealthCheck": { "Path": "/healthz", "Interval": "1s", "Timeout": "500ms", "UnhealthyThreshold": 2, "HealthyThreshold": 2 }
                }
              },
              "Dns": {
                "Provider": "cloudflare", "OwnerId": "edge-fleet-drill", "Interval": "30s",
                "DownHoldTime": "{{S((int)plan.DownHold.TotalMilliseconds)}}ms", "UpHoldTime": "{{S((int)UpHold.TotalSeconds)}}s",
                "Records": [ { "Name": "{{Record}}", "Type": "A", "Ttl": 60, "Service": "api", "Policy": "failover", "Regions": { {{addresses}} } } ],
                "Cloudflare": { "ZoneId": "{{Cloudflare!.ZoneId}}", "ApiBaseUrl": "{{Cloudflare.BaseUrl}}" }
              },
              "Fleet": {
                "Etcd": { "Endpoints": [{{endpoints}}] },
                "Prefix": "{{Prefix}}", "EdgeId": "{{EdgeIds[edge]}}", "LeaseTtl": "{{S((int)plan.LeaseTtl.TotalSeconds)}}s"
              }
            }

            """;
    }

    private static Uri Url(int port, string path) => new($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{path}");

    private static string Tail(string text) => text.Length > 3000 ? text[^3000..] : text;
}

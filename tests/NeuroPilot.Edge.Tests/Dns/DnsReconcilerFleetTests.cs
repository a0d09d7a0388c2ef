using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns;
using NeuroPilot.Edge.Fleet;
using NeuroPilot.Edge.Forwarding;
using NeuroPilot.Edge.Hosting;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Dns;

/// <summary>
/// The DNS pusher in a fleet, on a <see cref="FakeTimeProvider"/> with the fleet scripted: a follower never calls the
/// provider and says whom it follows; with no provable leader DNS pauses and says why; the leader publishes what the
/// fleet's quorum agrees on, not what this edge alone sees.
/// </summary>
public sealed class DnsReconcilerFleetTests(ITestOutputHelper output) : IDisposable
{
    private const string UsEast = "198.51.100.10";
    private const string EuWest = "198.51.100.20";

    private static readonly string Json = DnsReconcilerTests.Json;

    private readonly FakeTimeProvider _fake = new(new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero));
    private readonly EdgeMetrics _metrics = new(EdgeMetrics.CreateRegistry());
    private readonly CapturingLogger<DnsReconciler> _log = new();
    private readonly InMemoryDnsProvider _provider = new();
    private readonly FleetOptions _options = new() { Etcd = new EtcdOptions { Endpoints = [new Uri("http://127.0.0.1:2379")] }, EdgeId = "edge-a", LeaseTtl = TimeSpan.FromSeconds(5) };
    private volatile bool _leads;
    private volatile FleetLeaderStatus _leader = FleetLeaderStatus.Starting;
    private volatile FleetView _view = FleetView.Empty;
    private DnsReconciler? _reconciler;

    public void Dispose() => _reconciler?.Dispose();

    [Fact]
    public async Task Turn_AnotherEdgeLeads_NoProviderCallAndStatusSaysFollowingWhom()
    {
        _leader = new FleetLeaderStatus(FleetConnection.Connected, "edge-b", false, _fake.GetUtcNow(), null);
        var reconciler = Start();

        await DriveUntilAsync(() => reconciler.Status.State == DnsPusherState.Following, "the pusher follows edge-b");
        await DriveForAsync(TimeSpan.FromSeconds(30)); // six intervals: still no round

        Assert.Equal((DnsPusherState.Following, "edge-b"), (reconciler.Status.State, reconciler.Status.Leader));
        Assert.Empty(_provider.Reads);
        Assert.Equal(0, _provider.RequestsSent);
        Assert.Single(_log.Lines, l => l.Id.Id == 513);
    }

    [Fact]
    public async Task Turn_EtcdUnreachable_PausedSaysWhyInStatusMetricsAndOneLogLine()
    {
        _leader = new FleetLeaderStatus(FleetConnection.Unreachable, null, false, _fake.GetUtcNow(), "Unavailable: connection refused");
        var reconciler = Start();

        await DriveUntilAsync(() => reconciler.Status.State == DnsPusherState.Paused, "the pusher pauses");
        await DriveForAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("fleet etcd unreachable", reconciler.Status.PausedReason);
        Assert.Equal("paused", reconciler.Status.State.ToWireName());
        Assert.Empty(_provider.Reads);
        var paused = Assert.Single(_log.Lines, l => l.Id.Id == 514);
        Assert.Contains("fleet etcd unreachable", paused.Text);
        Assert.Contains("neuropilot_edge_dns_paused 1", await MetricsTextAsync());
    }

    [Fact]
    public async Task Turn_LeadsAgainAfterAPause_RunsARoundAtOnce()
    {
        _leader = new FleetLeaderStatus(FleetConnection.Unreachable, null, false, _fake.GetUtcNow(), "Unavailable");
        var reconciler = Start();
        await DriveUntilAsync(() => reconciler.Status.State == DnsPusherState.Paused, "the pusher pauses");

        Lead();

        await DriveUntilAsync(() => reconciler.Status.State == DnsPusherState.Ok && _provider.Values("api.example.com").Count > 0, "the leader's first round");
        Assert.Equal([UsEast], _provider.Values("api.example.com"));
        Assert.Contains("neuropilot_edge_dns_paused 0", await MetricsTextAsync());
    }

    [Fact]
    public async Task Round_OneEdgeOfThreeSeesUsEastDown_DnsUnchanged_TwoOfThree_DnsMoves()
    {
        Lead();
        _view = Fleet(("edge-b", true), ("edge-c", true));
        var reconciler = Start();
        await DriveUntilAsync(() => reconciler.Status.State == DnsPusherState.Ok && _provider.Values("api.example.com").Count > 0, "the first round");
        Assert.Equal([UsEast], _provider.Values("api.example.com"));

        _view = Fleet(("edge-b", false), ("edge-c", true)); // edge-b alone sees us-east down
        await DriveForAsync(TimeSpan.FromSeconds(12));
        Assert.Equal([UsEast], _provider.Values("api.example.com"));

        _view = Fleet(("edge-b", false), ("edge-c", false)); // two of three (this edge still sees it up)
        await DriveUntilAsync(() => _provider.Values("api.example.com") is [EuWest], "DNS moves to eu-west");
        var text = await MetricsTextAsync();
        output.WriteLine(_log.All);
        Assert.Contains("neuropilot_edge_fleet_quorum_decisions_total{service=\"api\",region=\"us-east\",decision=\"down\"} 1", text);
        var agreed = reconciler.QuorumDecisions["api"][0];
        Assert.Equal((FleetQuorumDecision.Down, 2, 2), (agreed.Decision, agreed.SeeUnusable, agreed.Required));
    }

    private void Lead()
    {
        _leader = new FleetLeaderStatus(FleetConnection.Connected, "edge-a", true, _fake.GetUtcNow(), null);
        _leads = true;
    }

    private FleetView Fleet(params (string EdgeId, bool UsEast)[] members)
    {
        var now = _fake.GetUtcNow() + TimeSpan.FromMinutes(1); // fresh for the whole test
        return new FleetView(
            members.ToDictionary(m => m.EdgeId, m => (IReadOnlyDictionary<string, FleetServiceView>)new Dictionary<string, FleetServiceView>
            {
                ["api"] = new(m.EdgeId, "api", [new FleetRegionView("us-east", m.UsEast, m.UsEast ? "usable" : "down", now), new FleetRegionView("eu-west", true, "usable", now)], now),
            }),
            [], 1, now);
    }

    private DnsReconciler Start()
    {
        _provider.Clock = _fake;
        var config = ConfigLoader.Load(Json);
        var runtime = new EdgeRuntime(null, config, Json, new RoutingTableBuilder(_metrics, new UpstreamClients(), _fake).Build, EdgeConfigChecks.All, _metrics, _fake, NullLogger<EdgeRuntime>.Instance);
        var fleet = new DnsFleet(_options, () => _leads, () => _leader, () => _view);
        _reconciler = new DnsReconciler(runtime, null, _metrics, _fake, _log, _ => _provider, fleet);
        _reconciler.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        return _reconciler;
    }

    private async Task DriveForAsync(TimeSpan fake)
    {
        var until = _fake.GetUtcNow() + fake;
        await DriveUntilAsync(() => _fake.GetUtcNow() >= until, $"{fake.TotalSeconds} s of fake time pass");
    }

    /// <summary>Moves the fake clock on by 100 ms until <paramref name="condition"/> holds; fails past 2 min of fake time or 20 s of real time.</summary>
    private async Task DriveUntilAsync(Func<bool> condition, string what)
    {
        var started = _fake.GetUtcNow();
        var real = Stopwatch.StartNew();
        while (!condition())
        {
            var fakeElapsed = _fake.GetUtcNow() - started;
            Assert.True(real.Elapsed < TimeSpan.FromSeconds(20) && fakeElapsed < TimeSpan.FromMinutes(2),
                $"timed out after {fakeElapsed.TotalSeconds:0.#} s of fake time waiting until {what}; status {_reconciler?.Status.State} {_reconciler?.Status.LastResult}: {_reconciler?.Status.LastError}; log:\n{_log.All}");
            _fake.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(2);
        }
    }

    private async Task<string> MetricsTextAsync()
    {
        using var stream = new MemoryStream();
        await _metrics.Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}

using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns.Internal;
using NeuroPilot.Edge.Fleet;
using NeuroPilot.Edge.Health;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Dns;

/// <summary>
/// The DNS pusher as a hosted service: it composes the three pieces and owns the provider's lifecycle.
/// <see cref="DnsSchedule"/> decides when a round runs (on a change of the desired sets, every <c>Interval</c>, after a
/// failure's Retry-After or backoff); <see cref="DnsRound"/> is the round itself (health through hold-down to desired
/// sets, read, plan, apply); <see cref="DnsStatusProjection"/> turns outcomes into status, metrics and logs. Health
/// snapshots (<see cref="HealthAgent.ServiceHealthChanged"/>) and reloads wake the loop. Should the loop itself ever
/// fault, it is supervised: one log line, a count (<c>neuropilot_edge_dns_loop_restarts_total</c>), status, and a
/// restart after a backoff. A stop always completes. Nothing here is on the request path.
/// <para>
/// In a fleet (<see cref="DnsFleet"/>), only the proven leader runs rounds, and they take the fleet's quorum
/// (<see cref="DnsQuorumView"/>) instead of this edge's view alone; a follower makes no provider call and says whom it
/// follows; with no leader provable (etcd unreachable) DNS pauses and says why. The loop looks at the leadership every
/// <see cref="FleetLeadership.CheckInterval"/>. Without a fleet nothing of this runs.
/// </para>
/// </summary>
public sealed partial class DnsReconciler : IHostedService, IDisposable
{
    /// <summary>Region changes arriving within this window are taken in one round.</summary>
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(100);

    private readonly EdgeRuntime _runtime;
    private readonly HealthAgent? _agent;
    private readonly TimeProvider _time;
    private readonly ILogger<DnsReconciler> _logger;
    private readonly ProviderSlot _provider;
    private readonly DnsSchedule _schedule;
    private readonly DnsRound _round;
    private readonly DnsStatusProjection _status;
    private readonly DnsFleet? _fleet;
    private readonly DnsQuorumView _quorum = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private int _disposed;

    public DnsReconciler(EdgeRuntime runtime, HealthAgent? agent, EdgeMetrics metrics, TimeProvider time, ILogger<DnsReconciler> logger,
        Func<DnsOptions, IDnsProvider> createProvider, DnsFleet? fleet = null)
    {
        _fleet = fleet;
        _runtime = runtime;
        _agent = agent;
        _time = time;
        _logger = logger;
        _provider = new ProviderSlot(createProvider, e => LogStopTrouble(e.GetType().Name, ProviderText.Clip(e.Message)));
        _schedule = new DnsSchedule(time);
        _round = new DnsRound(time);
        _status = new DnsStatusProjection(logger, metrics);
    }

    public DnsStatus Status => _status.Current;

    /// <summary>In a fleet: the last quorum agreement per service (empty without a fleet).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<FleetRegionAgreement>> QuorumDecisions => _quorum.Decisions;


    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_agent is not null)
        {
            _agent.ServiceHealthChanged += OnServiceHealthChanged;
        }

        _runtime.TableChanged += OnTableChanged;
        _loop = Task.Run(() => SuperviseAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_agent is not null)
        {
            _agent.ServiceHealthChanged -= OnServiceHealthChanged;
        }

        _runtime.TableChanged -= OnTableChanged;
        try
        {
            await _stopping.CancelAsync();
        }
        catch (AggregateException e)
        {
            // A callback a provider registered on our token threw: nothing to stop for.
            LogStopTrouble(e.InnerException?.GetType().Name ?? nameof(AggregateException), ProviderText.Clip(e.InnerException?.Message ?? e.Message));
        }

        if (_loop is not { } loop)
        {
            return;
        }

        try
        {
            await loop.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host stops waiting (its shutdown timeout): a provider call that ignores cancellation is left behind.
            LogStopAbandoned();
        }
        catch (Exception e)
        {
            LogStopTrouble(e.GetType().Name, ProviderText.Clip(e.Message));
        }
    }

    /// <summary>Idempotent: the container disposes the instance once as a singleton and once as the hosted service.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            _stopping.Cancel();
        }
        catch (AggregateException)
        {
            // Reported by StopAsync already, when it ran.
        }

        _provider.Clear();
        _stopping.Dispose();
        _wake.Dispose();
    }

    /// <summary>
    /// Runs a round soon with the change cap lifted (<c>POST /admin/dns/force</c>); a provider's <c>Retry-After</c> or
    /// a backoff in progress is still honoured.
    /// </summary>
    public void Force()
    {
        _schedule.RequestForce();
        Wake();
    }

    /// <summary>Asks for a round soon (region state or config changed).</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A wake-up is already pending.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void OnTableChanged(RoutingTable table) => Wake();

    private void OnServiceHealthChanged(ServiceHealth health) => Wake();

    /// <summary>
    /// Runs the loop, and restarts it after a backoff should it ever fault: one log line per fault (no stack trace
    /// unless Debug), a count, status saying so. Returns when stopping.
    /// </summary>
    private async Task SuperviseAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await RunAsync(stopping);
                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                var delay = _schedule.LoopFaulted();
                _status.LoopFaulted(_schedule.LoopFaults, e, delay, _time.GetUtcNow() + delay);
                try
                {
                    await Task.Delay(delay, _time, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        _schedule.Reset();
        while (!stopping.IsCancellationRequested)
        {
            DateTimeOffset? wake;
            try
            {
                wake = await TurnAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }

            if (!await WaitAsync(wake, stopping))
            {
                return;
            }

            // A whole turn without a fault: the supervisor's backoff starts over.
            _schedule.TurnCompleted();
        }
    }

    /// <summary>One turn of the loop: a round when the schedule says so; returns when to look again (null: on a wake-up only).</summary>
    private async Task<DateTimeOffset?> TurnAsync(CancellationToken stopping)
    {
        if (_runtime.Config.Dns is not { } options)
        {
            _provider.Clear();
            _status.Disabled();
            _schedule.Reset();
            return null;
        }

        var services = ServicesHealth();
        var leads = true;
        if (_fleet is { } fleet)
        {
            leads = fleet.IsLeader();
            services = _quorum.Apply(services, fleet, _time.GetUtcNow(), leads ? _status.QuorumMoved : static (_, _) => { });
        }

        var desire = _round.Desire(options, services);
        _status.Configured(options, desire);
        if (!leads)
        {
            return NotLeading(_fleet!);
        }

        if (_fleet is not null)
        {
            _status.Leading();
        }

        if (_schedule.TryStartRound(desire.Key, out var force))
        {
            var outcome = await RoundAsync(options, services, desire, force, stopping);
            DateTimeOffset? notBefore = null;
            if (outcome.Succeeded)
            {
                _schedule.Succeeded(desire.Key, options.Interval);
            }
            else
            {
                notBefore = _schedule.Failed(outcome.FinishedAt, options.Interval, outcome.RetryAfter);
            }

            _status.RoundFinished(outcome, notBefore);
        }

        var next = _schedule.NextWake(_round.NextHoldChange(options), _round.IsSettling(options));
        return _fleet is null ? next : Min(next, _time.GetUtcNow() + FleetLeadership.CheckInterval);
    }

    /// <summary>Another edge leads, or none can be proven: status says which, and no provider call is made.</summary>
    private DateTimeOffset NotLeading(DnsFleet fleet)
    {
        var leader = fleet.Leader();
        if (leader.State == FleetConnection.Connected && leader.Leader is { } other && other != fleet.Options.EdgeId)
        {
            _status.Following(other);
        }
        else if (leader.State == FleetConnection.Connected)
        {
            _status.Paused("no fleet leader yet", "this edge holds no lease yet, or the leader key is being taken");
        }
        else if (leader.State == FleetConnection.Connecting)
        {
            _status.Paused("fleet etcd not reached yet", "starting");
        }
        else
        {
            _status.Paused("fleet etcd unreachable", leader.LastError);
        }

        // Whoever leads next starts with a round at once (a provider's wait in progress aside).
        _schedule.Reset();
        return _time.GetUtcNow() + FleetLeadership.CheckInterval;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>The round with the provider for these options; a provider that cannot be made (no credentials) is a failed round.</summary>
    private async Task<DnsRoundOutcome> RoundAsync(DnsOptions options, IReadOnlyList<DnsServiceHealth> services, DnsDesire desire, bool force, CancellationToken stopping)
    {
        IDnsProvider provider;
        try
        {
            provider = _provider.For(options);
        }
        catch (Exception e)
        {
            var now = _time.GetUtcNow();
            return DnsRoundOutcome.Failed(options.Provider.ToWireName(), now, now, desire, e);
        }

        return await _round.RunAsync(options, services, desire, provider, force, stopping);
    }

    /// <summary>Each service's health snapshot as the round takes it.</summary>
    private IReadOnlyList<DnsServiceHealth> ServicesHealth()
    {
        var services = new List<DnsServiceHealth>();
        foreach (var service in _runtime.Table.Services)
        {
            var regions = new DnsRegionHealth[service.Regions.Length];
            for (var i = 0; i < regions.Length; i++)
            {
                regions[i] = new DnsRegionHealth(service.Regions[i].Name, service.Health.Regions[i].Usable);
            }

            var probes = service.Options.HealthCheck;
            var settled = service.Regions.All(r => r.Destinations.All(d => d.LastProbe is { } probe && probe.Healthy == probe.Last.Healthy));
            services.Add(new DnsServiceHealth(service.Name, regions, settled, 2 * (probes.Interval + probes.Timeout)));
        }

        return services;
    }

    /// <summary>Waits for a wake-up, <paramref name="until"/> or the stop; false when stopping.</summary>
    private async Task<bool> WaitAsync(DateTimeOffset? until, CancellationToken stopping)
    {
        // Within timer limits whatever the due time: a wait longer than WaitLimits.MaxTimer wakes early and looks again.
        var delay = until is { } due ? WaitLimits.ClampTimer(due - _time.GetUtcNow()) : Timeout.InfiniteTimeSpan;
        if (delay != Timeout.InfiniteTimeSpan && delay <= TimeSpan.Zero)
        {
            return !stopping.IsCancellationRequested;
        }

        using var timeout = delay == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(delay, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stopping);
        try
        {
            await _wake.WaitAsync(linked.Token);

            // Woken by a change: let the rest of a burst of changes arrive.
            await Task.Delay(Debounce, _time, stopping);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        return true;
    }
}

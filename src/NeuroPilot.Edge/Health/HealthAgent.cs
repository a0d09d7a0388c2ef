using System.Globalization;
using NeuroPilot.Edge.CircuitBreaking;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Health.Internal;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Health;

/// <summary>
/// The health agent: probes every destination (once per address and probe settings), watches live traffic for
/// stalls, ticks the breakers, and turns destination state into region state: the serving region of each service,
/// failovers, gauges and one log line per change. It never sits on the request path: routing reads the same
/// destination flags directly.
/// </summary>
public sealed partial class HealthAgent : IHostedService, IDisposable
{
    /// <summary>How often stalls, breaker timers and serving regions are checked.</summary>
    public static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(100);

    private readonly EdgeRuntime _runtime;
    private readonly EdgeMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<HealthAgent> _logger;
    private readonly Prober _prober;
    private readonly ProbeScheduler _scheduler;
    private readonly Lock _gate = new();
    private readonly Dictionary<TargetKey, ProbeTarget> _targets = [];
    private readonly Dictionary<DestinationState, Watch> _watched = [];
    private readonly ServiceHealthPublisher _publisher;
    private readonly DestinationChanges _changes = new();
    private readonly Action<ProbeTarget, DestinationState[], ProbeResult, bool> _onProbeResult;
    private readonly Lock _tickGate = new();

    /// <summary>Every watch's gauge writes (<see cref="Watch.Show"/>): a few writes, so one gate for all rather than a lock per destination.</summary>
    private readonly Lock _showGate = new();
    private readonly HashSet<Watch> _attended = [];
    private readonly List<Watch> _letGo = [];
    private readonly HashSet<ServiceRoute> _changedServices = [];
    private HashSet<(string Service, string Region)> _regionSeries = [];
    private readonly HeapCompaction _compaction;
    private Watching? _watching;
    private ITimer? _timer;

    public HealthAgent(EdgeRuntime runtime, EdgeMetrics metrics, TimeProvider time, ILogger<HealthAgent> logger)
        : this(runtime, metrics, time, logger, tls: null)
    {
    }

    /// <param name="tls">The loaded <c>UpstreamTls</c> files, shared with the proxy: probes verify as requests do.</param>
    public HealthAgent(EdgeRuntime runtime, EdgeMetrics metrics, TimeProvider time, ILogger<HealthAgent> logger, Tls.UpstreamTlsMaterials? tls)
    {
        _runtime = runtime;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _prober = new Prober(time, tls);
        _scheduler = new ProbeScheduler(time);
        _publisher = new ServiceHealthPublisher(metrics, logger);
        _onProbeResult = OnProbeResult;
        _compaction = new HeapCompaction(time);
    }

    /// <summary>
    /// Raised (outside the agent's locks) when a region of a service becomes usable or unusable, drains included,
    /// with the service's new health: the DNS reconciler's cue. Handlers must return quickly.
    /// </summary>
    public event Action<ServiceHealth>? ServiceHealthChanged
    {
        add => _publisher.Changed += value;
        remove => _publisher.Changed -= value;
    }

    /// <summary>Decides and publishes the service's region health now (after a drain, say), not at the next tick.</summary>
    public ServiceHealth Evaluate(ServiceRoute service) => _publisher.Evaluate(service);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Reconcile(_runtime.Table);
        _runtime.TableChanged += Reconcile;
        _timer = _time.CreateTimer(_ => Tick(), null, TickInterval, TickInterval);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _runtime.TableChanged -= Reconcile;
        _timer?.Dispose();
        _compaction.Dispose();
        Task[] loops;
        lock (_gate)
        {
            loops = [.. _targets.Values.Select(t => t.StopAsync())];
            _targets.Clear();
        }

        await Task.WhenAll(loops).WaitAsync(cancellationToken);
        _scheduler.Dispose();
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _compaction.Dispose();
        _scheduler.Dispose();
        _prober.Dispose();
    }

    /// <summary>Starts probes for new destinations, stops those no longer configured, keeps the rest running.</summary>
    public void Reconcile(RoutingTable table)
    {
        int destinations;
        lock (_gate)
        {
            var (wanted, current) = WantedTargets(table);
            StopRemoved(table, wanted, current);
            StartOrKeep(wanted);
            Volatile.Write(ref _watching, WatchesOf(table));
            destinations = current.Count;
        }

        Sweep(table);
        Tick();

        // The garbage of building a large table's state, and its first probes' sockets, goes once they are done,
        // instead of staying committed for the process's life.
        _compaction.Applied(destinations, FirstProbesWithin(table));
    }

    /// <summary>The heap compaction after a large table is applied (for tests).</summary>
    internal HeapCompaction Compaction => _compaction;

    /// <summary>By when every new destination of <paramref name="table"/> has had its first probe: its phase within the fast interval, then the timeout.</summary>
    private static TimeSpan FirstProbesWithin(RoutingTable table)
    {
        var longest = TimeSpan.Zero;
        foreach (var service in table.Services)
        {
            var options = service.Options.HealthCheck;
            var first = TimeSpan.FromTicks(Math.Min(options.FastInterval.Ticks, options.Interval.Ticks)) + options.Timeout;
            longest = first > longest ? first : longest;
        }

        // The scheduler starts a due probe and ends a late one at most one resolution late.
        return longest + ProbeScheduler.Resolution + ProbeScheduler.Resolution;
    }

    /// <summary>
    /// After a reconcile, the one visit of every destination: gauges brought up to date, destinations with requests
    /// waiting or a breaker open handed to the tick, every service decided.
    /// </summary>
    private void Sweep(RoutingTable table)
    {
        if (Volatile.Read(ref _watching) is { } watching && ReferenceEquals(watching.Table, table))
        {
            foreach (var watch in watching.Watches)
            {
                watch.Show();
                if (watch.NeedsAttention)
                {
                    watch.Destination.Notify();
                }
            }
        }

        Decide(table.Services);
    }

    /// <summary>Decides the services' health again and publishes what changed (routing and DNS read the published health).</summary>
    private void Decide(ServiceRoute[] services)
    {
        foreach (var service in services)
        {
            _publisher.Evaluate(service);
        }
    }

    /// <summary>One probe target per address and probe settings, with the destinations it speaks for; and every destination of the table.</summary>
    private static (Dictionary<TargetKey, WantedTarget> Wanted, HashSet<DestinationState> Current) WantedTargets(RoutingTable table)
    {
        var wanted = new Dictionary<TargetKey, WantedTarget>();
        var current = new HashSet<DestinationState>();
        foreach (var service in table.Services)
        {
            string? plain = null;
            string? https = null;
            foreach (var region in service.Regions)
            {
                foreach (var destination in region.Destinations)
                {
                    current.Add(destination);
                    var tls = destination.Url.Scheme == Uri.UriSchemeHttps ? service.Options.UpstreamTls : null;

                    // The settings in one string per service, not one per destination: a target keeps its key.
                    var settings = tls is null
                        ? plain ??= ProbeSettings(service.Options.HealthCheck, tls: null)
                        : https ??= ProbeSettings(service.Options.HealthCheck, tls);
                    var key = new TargetKey(destination.Url.AbsoluteUri, settings);
                    if (!wanted.TryGetValue(key, out var entry))
                    {
                        entry = new WantedTarget(destination.Url, service.Options.HealthCheck, tls, []);
                        wanted[key] = entry;
                    }

                    entry.Subscribers.Add(destination);
                }
            }
        }

        return (wanted, current);
    }

    /// <summary>Stops the probes, breaker watches and metric series of what left the table (under the gate).</summary>
    private void StopRemoved(RoutingTable table, Dictionary<TargetKey, WantedTarget> wanted, HashSet<DestinationState> current)
    {
        foreach (var (key, target) in _targets.ToList())
        {
            if (!wanted.ContainsKey(key))
            {
                target.Dispose();
                _targets.Remove(key);
            }
        }

        _publisher.Retain(table);

        foreach (var destination in _watched.Keys.ToList())
        {
            if (!current.Contains(destination))
            {
                destination.Breaker.Observer = null;
                destination.Changes = null;
                _watched.Remove(destination);
                _metrics.ForgetDestination(destination.Service, destination.Region, destination.Address);
            }
        }

        ForgetRemovedSeries(table);
    }

    /// <summary>Starts the probe targets that are new, hands each its destinations, and watches every destination's breaker (under the gate).</summary>
    private void StartOrKeep(Dictionary<TargetKey, WantedTarget> wanted)
    {
        foreach (var (key, (url, options, tls, subscribers)) in wanted)
        {
            if (!_targets.TryGetValue(key, out var target))
            {
                // New probe settings for a destination that stays must not forget it is down: the tracker starts
                // from what the destination is now (a new destination starts up).
                var startHealthy = !subscribers.Any(d => d.MarkedDown);
                target = new ProbeTarget(key.Address, url, options, _prober, _scheduler, _onProbeResult, startHealthy) { Tls = tls };
                _targets[key] = target;
                target.Subscribers = [.. subscribers];
                target.Start();
            }
            else
            {
                target.Subscribers = [.. subscribers];
            }

            foreach (var destination in subscribers)
            {
                if (!_watched.TryGetValue(destination, out var watch))
                {
                    watch = new Watch(this, destination);
                    destination.Breaker.Observer = watch;
                    destination.Changes = _changes;
                    _watched[destination] = watch;
                }

                watch.Target = target;

                // A destination that joins a target that already knows its health takes that health over.
                destination.MarkedDown = !target.Tracker.Healthy;
            }
        }
    }

    /// <summary>The watches of <paramref name="table"/>'s destinations in table order, each with its service's breaker options (under the gate).</summary>
    private Watching WatchesOf(RoutingTable table)
    {
        var all = new List<Watch>(_watched.Count);
        foreach (var service in table.Services)
        {
            foreach (var region in service.Regions)
            {
                foreach (var destination in region.Destinations)
                {
                    if (_watched.TryGetValue(destination, out var watch))
                    {
                        watch.Breaker = service.Options.CircuitBreaker;
                        watch.Route = service;
                        all.Add(watch);
                    }
                }
            }
        }

        return new Watching(table, [.. all]);
    }

    /// <summary>
    /// The destination's watch, read without the gate: its breaker's observer, set when the agent starts watching it
    /// and cleared when it leaves the table. (A second dictionary of every destination for lock-free readers was
    /// ~0.4 MB at 10,000 destinations.)
    /// </summary>
    private static Watch? WatchOf(DestinationState destination) => destination.Breaker.Observer as Watch;

    /// <summary>What the tick reads without the gate: the reconciled table and its destinations' watches.</summary>
    private sealed record Watching(RoutingTable Table, Watch[] Watches);

    /// <summary>One probe target per address and probe settings (the settings' string is shared by a service's destinations).</summary>
    private readonly record struct TargetKey(string Address, string Settings);

    private readonly record struct WantedTarget(Uri Url, HealthCheckOptions Options, UpstreamTlsOptions? Tls, List<DestinationState> Subscribers);

    /// <summary>
    /// Removes the metric series of regions and services that left the table (under the gate, after their probes
    /// stopped): a removed region must not keep serving 1 or a removed dead destination keep an alert firing.
    /// </summary>
    private void ForgetRemovedSeries(RoutingTable table)
    {
        var regions = table.Services.SelectMany(s => s.Regions.Select(r => (s.Name, r.Name))).ToHashSet();
        foreach (var (service, region) in _regionSeries.Where(r => !regions.Contains(r)))
        {
            _metrics.ForgetRegion(service, region);
        }

        var services = table.Services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var service in _regionSeries.Select(r => r.Service).Distinct().Where(s => !services.Contains(s)))
        {
            _metrics.ForgetService(service);
        }

        _regionSeries = regions;
    }

    /// <summary>
    /// Stall detection, breaker timers, serving regions and gauges; runs every <see cref="TickInterval"/>. Visits only
    /// the destinations that need it (listed in <see cref="DestinationChanges"/> when a request starts waiting or the
    /// probes mark them down or up, and kept while requests wait or the breaker is open) and decides again only the
    /// services where a destination's availability changed: its cost follows changes, not the number of destinations.
    /// </summary>
    public void Tick()
    {
        try
        {
            var now = _time.GetTimestamp();
            var table = _runtime.Table;
            if (Volatile.Read(ref _watching) is { } watching && ReferenceEquals(watching.Table, table))
            {
                Decide(TickChanged(now));
            }
            else
            {
                TickUnreconciled(table, now);
                Decide(table.Services);
            }
        }
        catch (Exception e)
        {
            LogTickFailed(e);
        }
    }

    /// <summary>How many destinations the tick visits now (requests waiting, a breaker open, a change not yet looked at: for tests).</summary>
    internal int Attended
    {
        get
        {
            lock (_tickGate)
            {
                return _attended.Count;
            }
        }
    }

    /// <summary>The tick of the destinations that need attention; returns the services to decide again (outside the lock).</summary>
    private ServiceRoute[] TickChanged(long now)
    {
        lock (_tickGate)
        {
            while (_changes.TryTake(out var destination))
            {
                if (WatchOf(destination) is { } watch)
                {
                    _attended.Add(watch);
                }
                else
                {
                    destination.Release();
                }
            }

            foreach (var watch in _attended)
            {
                if (!ReferenceEquals(WatchOf(watch.Destination), watch))
                {
                    // Its destination left the table with a reload: nothing of it is decided again.
                    _letGo.Add(watch);
                    continue;
                }

                // Released before it is read: a change from now on lists it again, none is missed.
                watch.Destination.Release();
                if (watch.Tick(now))
                {
                    _changedServices.Add(watch.Route!);
                }

                if (watch.NeedsAttention)
                {
                    watch.Destination.Hold();
                }
                else
                {
                    _letGo.Add(watch);
                }
            }

            foreach (var watch in _letGo)
            {
                _attended.Remove(watch);
            }

            _letGo.Clear();
            if (_changedServices.Count == 0)
            {
                return [];
            }

            ServiceRoute[] changed = [.. _changedServices];
            _changedServices.Clear();
            return changed;
        }
    }

    /// <summary>The tick of a table not reconciled yet: its destinations' watches and gauges looked up one by one.</summary>
    private void TickUnreconciled(RoutingTable table, long now)
    {
        foreach (var service in table.Services)
        {
            var breaker = service.Options.CircuitBreaker;
            foreach (var region in service.Regions)
            {
                foreach (var destination in region.Destinations)
                {
                    Watch? watch;
                    lock (_gate)
                    {
                        _watched.TryGetValue(destination, out watch);
                    }

                    CheckStall(destination, watch, breaker, now);
                    destination.Breaker.Tick();
                    var series = watch?.Series ?? _metrics.Destinations.For(service.Name, region.Name, destination.Address);
                    series.SetHealthy(destination.IsAvailable);
                    series.SetCircuit((int)destination.Breaker.State);
                }
            }
        }
    }

    /// <summary>
    /// Hung-upstream detection from live traffic. Under load: <c>StallMinRequests</c> requests waiting and no response
    /// headers at all for <c>StallTimeout</c>. Under light traffic a single request waiting <c>StallTimeout</c> is
    /// enough when a probe sent since it began corroborates it (failed, or unanswered for half the stall timeout and
    /// four times the usual probe time): a long-polling service's requests wait long but its probes answer, so it is
    /// never taken for hung. A request whose body is still coming from the client is not waiting on the upstream.
    /// </summary>
    private void CheckStall(DestinationState destination, Watch? watch, CircuitBreakerOptions options, long now)
    {
        var waiting = destination.WaitingFor(now);
        if (waiting <= TimeSpan.Zero)
        {
            return;
        }

        // A request waiting far beyond this destination's usual time to headers: probe now, don't wait for the interval.
        var suspicious = TimeSpan.FromTicks(Math.Max(destination.TypicalHeadersTime.Ticks * 10, TimeSpan.FromMilliseconds(250).Ticks));
        if (waiting >= suspicious && watch is not null)
        {
            watch.WakeProbe(now);
        }

        if (options.StallTimeout <= TimeSpan.Zero || destination.Breaker.State == CircuitState.Open)
        {
            return;
        }

        var silent = destination.SilentFor(now);
        if (silent >= options.StallTimeout && destination.AwaitingHeaders >= options.StallMinRequests)
        {
            destination.Breaker.OnStall($"{destination.AwaitingHeaders} requests waiting, no response headers for {silent.TotalMilliseconds:0} ms");
            return;
        }

        var waitingSince = now - (long)(waiting.TotalSeconds * _time.TimestampFrequency);
        if (waiting >= options.StallTimeout && watch?.Target is { } target &&
            target.ProbeUnansweredSince(waitingSince, now, options.StallTimeout / 2))
        {
            destination.Breaker.OnStall($"a request waiting {waiting.TotalMilliseconds:0} ms with no response headers, and a probe sent since then unanswered or failed");
        }
    }

    private void OnProbeResult(ProbeTarget target, DestinationState[] subscribers, ProbeResult result, bool changed)
    {
        foreach (var destination in subscribers)
        {
            destination.ProbeRecord = target;
            destination.MarkedDown = !target.Tracker.Healthy;
            destination.Breaker.OnProbe(result.Healthy);
            if (WatchOf(destination) is { } watch)
            {
                watch.CountProbe(result);
            }
            else
            {
                _metrics.Destinations.For(destination.Service, destination.Region, destination.Address).ObserveProbe(result.Duration, result.Healthy);
            }

            if (changed)
            {
                if (target.Tracker.Healthy)
                {
                    LogDestinationUp(destination.Service, destination.Region, destination.Address, target.Tracker.ConsecutiveSuccesses, result.Detail);
                }
                else
                {
                    LogDestinationDown(destination.Service, destination.Region, destination.Address, target.Tracker.ConsecutiveFailures, result.Detail);
                }
            }
        }

        if (changed)
        {
            // The destinations listed themselves when their MarkedDown changed: decide now, not at the next tick.
            Tick();
        }
    }

    private static string ProbeSettings(HealthCheckOptions options, UpstreamTlsOptions? tls) => string.Create(CultureInfo.InvariantCulture,
        $"{options.Path}|{options.Interval.Ticks}|{options.FastInterval.Ticks}|{options.Timeout.Ticks}|{options.UnhealthyThreshold}|{options.HealthyThreshold}|{string.Join(',', options.HealthyStatusCodes)}{(tls is null ? "" : $"|tls:{tls.CaFile}|{tls.ClientCertificateFile}|{tls.ClientKeyFile}|{tls.ServerName}")}");

    /// <summary>The agent's view of one destination: its probe target and breaker events.</summary>
    private sealed class Watch(HealthAgent agent, DestinationState destination) : ICircuitBreakerObserver
    {
        /// <summary>Until the first reconcile sets the service's: one shared default, not one per destination.</summary>
        private static readonly CircuitBreakerOptions DefaultBreaker = new();

        public DestinationState Destination => destination;

        /// <summary>The destination's service in the reconciled table (set at each reconcile).</summary>
        public ServiceRoute? Route { get; set; }

        /// <summary>Whether the tick must keep visiting it: requests wait for headers (stalls), or the breaker is open (its break runs out).</summary>
        public bool NeedsAttention => destination.AwaitingHeaders > 0 || destination.Breaker.State == CircuitState.Open;

        private long _lastWake;
        private int _shownHealthy = -1;
        private int _shownCircuit = -1;

        /// <summary>The destination's gauges, looked up once instead of on every tick.</summary>
        public DestinationSeries Series { get; } = agent._metrics.Destinations.For(destination.Service, destination.Region, destination.Address);

        public ProbeTarget? Target { get; set; }

        /// <summary>The destination's service's breaker options (set at each reconcile).</summary>
        public CircuitBreakerOptions Breaker { get; set; } = DefaultBreaker;

        /// <summary>The destination's part of the tick; true when its availability changed (its service is decided again).</summary>
        public bool Tick(long now)
        {
            agent.CheckStall(destination, this, Breaker, now);
            destination.Breaker.Tick();
            return ((destination.IsAvailable ? 1 : 0) != Volatile.Read(ref _shownHealthy) || (int)destination.Breaker.State != Volatile.Read(ref _shownCircuit)) && Show();
        }

        /// <summary>
        /// Writes the gauges that differ from the destination's state, read under the watch's gate: a gauge and the
        /// value remembered for it are always written together, so a tick that finds them equal to the state is right.
        /// Returns whether the availability shown changed.
        /// </summary>
        public bool Show()
        {
            lock (agent._showGate)
            {
                var healthy = destination.IsAvailable ? 1 : 0;
                var circuit = (int)destination.Breaker.State;
                var changed = healthy != _shownHealthy;
                if (changed)
                {
                    Series.SetHealthy(healthy == 1);
                    Volatile.Write(ref _shownHealthy, healthy);
                }

                if (circuit != _shownCircuit)
                {
                    Series.SetCircuit(circuit);
                    Volatile.Write(ref _shownCircuit, circuit);
                }

                return changed;
            }
        }

        /// <summary>A probe result in the destination's probe metrics (series made at their first use, then kept).</summary>
        public void CountProbe(ProbeResult result)
        {
            Series.ObserveProbe(result.Duration, result.Healthy);
        }

        public void OnBreakerChanged(CircuitState from, CircuitState to, string reason)
        {
            agent.LogBreaker(destination.Service, destination.Region, destination.Address, from.ToString(), to.ToString(), reason);
            Show();

            // Routing reads the published health: a breaker that opened (or closed) is decided on now, with the
            // request that moved it, not at the next tick.
            if (agent._runtime.Table.Find(destination.Service) is { } service)
            {
                agent._publisher.Evaluate(service);
            }

            if (to == CircuitState.Open)
            {
                // The tick watches an open breaker until its break is over.
                destination.Notify();
                agent._metrics.CircuitOpened.WithLabels(destination.Service, destination.Region, destination.Address).Inc();

                // Suspicion must not wait for the next 10 s probe.
                Target?.ProbeNow();
            }
        }

        /// <summary>Wakes the probe at most once per fast interval.</summary>
        public void WakeProbe(long now)
        {
            var target = Target;
            if (target is null)
            {
                return;
            }

            var last = Interlocked.Read(ref _lastWake);
            if (last != 0 && agent._time.GetElapsedTime(last, now) < target.Tracker.Options.FastInterval)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _lastWake, now, last) == last)
            {
                target.ProbeNow();
            }
        }
    }
}

using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns.Internal;
using NeuroPilot.Edge.Health;
using NeuroPilot.Edge.Hosting;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Dns;

/// <summary>
/// The DNS pusher. Region state (from the health agent) goes through hold-down (<see cref="RegionHysteresis"/>) to
/// desired record sets; the provider's sets are read, diffed (<see cref="DnsPlanner"/>) and the difference applied.
/// A round runs promptly when the desired sets change (a region change, a hold time running out) and every
/// <c>Interval</c> anyway, so drift made by hand is repaired. Provider errors never leave this loop: they are
/// counted, logged once per change, shown in status, and retried after the provider's <c>Retry-After</c> (one hour at
/// most, <see cref="WaitLimits"/>) or a capped, jittered backoff; so is any other exception of a round (result
/// <c>error</c>). Should the loop itself ever fault, it is supervised: one log line, a count
/// (<c>neuropilot_edge_dns_loop_restarts_total</c>), status, and a restart after a backoff. A stop always completes.
/// Nothing here is on the request path.
/// </summary>
public sealed partial class DnsReconciler : IHostedService, IDisposable
{
    /// <summary>Region changes arriving within this window are taken in one round.</summary>
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(100);

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(1);

    private readonly EdgeRuntime _runtime;
    private readonly HealthAgent? _agent;
    private readonly EdgeMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<DnsReconciler> _logger;
    private readonly Func<DnsOptions, IDnsProvider> _createProvider;
    private readonly RegionHysteresis _hysteresis = new();
    private readonly HashSet<string> _settled = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Name, DnsRecordType Type), DnsRecordSet> _lastDesired = [];
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly DateTimeOffset _startedAt;
    private IDnsProvider? _provider;
    private string? _providerKey;
    private Task? _loop;
    private DnsStatus _status = DnsStatus.Disabled;
    private IReadOnlyList<DnsRegionStatus> _regionStatuses = [];
    private bool _seeded;
    private int _disposed;
    private volatile bool _forceRequested;
    private int _failures;
    private int _loopFaults;
    private DateTimeOffset _notBefore;
    private string? _lastConflicts;
    private string? _lastHeld;
    private string? _lastError;

    public DnsReconciler(EdgeRuntime runtime, HealthAgent? agent, EdgeMetrics metrics, TimeProvider time, ILogger<DnsReconciler> logger,
        Func<DnsOptions, IDnsProvider> createProvider)
    {
        _runtime = runtime;
        _agent = agent;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _createProvider = createProvider;
        _startedAt = time.GetUtcNow();
    }

    public DnsStatus Status => Volatile.Read(ref _status);


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
            await _stopping.CancelAsync().ConfigureAwait(false);
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
            await loop.WaitAsync(cancellationToken).ConfigureAwait(false);
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

        ReplaceProvider(null, null);
        _stopping.Dispose();
        _wake.Dispose();
    }

    /// <summary>
    /// Runs a round soon with the change cap lifted (<c>POST /admin/dns/force</c>); a provider's <c>Retry-After</c> or
    /// a backoff in progress is still honoured.
    /// </summary>
    public void Force()
    {
        _forceRequested = true;
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
                await RunAsync(stopping).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                var faults = ++_loopFaults;
                var delay = Backoff.Delay(faults, FirstBackoff, MaxBackoff, 0.5, Random.Shared.NextDouble());
                var error = $"the DNS loop faulted ({Describe(e)}); restarted in {delay.TotalSeconds:0.#} s";
                _metrics.DnsLoopRestarts.Inc();
                LogLoopFaulted(faults, Describe(e), delay.TotalSeconds);
                LogExceptionDetail(e);
                Volatile.Write(ref _status, Status with { State = "failing", LastResult = "error", LastError = error, NextAttemptNotBefore = _time.GetUtcNow() + delay });
                try
                {
                    await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
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
        var nextRead = DateTimeOffset.MinValue;
        string? pushedDesire = null;
        while (!stopping.IsCancellationRequested)
        {
            DateTimeOffset? wake = null;
            try
            {
                var options = _runtime.Config.Dns;
                if (options is null)
                {
                    ReplaceProvider(null, null);
                    Volatile.Write(ref _status, DnsStatus.Disabled);
                    pushedDesire = null;
                }
                else
                {
                    var now = _time.GetUtcNow();
                    var desired = Desire(options, now);
                    var shown = Status;
                    Volatile.Write(ref _status, shown with
                    {
                        State = shown.State == "disabled" ? "starting" : shown.State,
                        Provider = ProviderName(options.Provider),
                        OwnerId = options.OwnerId,
                        DryRun = options.DryRun,
                        Regions = _regionStatuses,
                    });
                    var desire = string.Join('\n', desired.Select(d => d.Set?.ToString() ?? d.HeldReason));
                    if (now >= _notBefore && (now >= nextRead || desire != pushedDesire || _forceRequested))
                    {
                        var force = _forceRequested;
                        _forceRequested = false;
                        if (await RoundAsync(options, desired, force, stopping).ConfigureAwait(false))
                        {
                            _failures = 0;
                            pushedDesire = desire;
                            nextRead = now + options.Interval;
                        }
                        else
                        {
                            _failures++;
                            var backoff = Backoff.Delay(_failures, FirstBackoff, options.Interval < MaxBackoff ? options.Interval : MaxBackoff, 0.5, Random.Shared.NextDouble());
                            _notBefore = Max(_notBefore, _time.GetUtcNow() + backoff);
                            nextRead = _notBefore;
                            Volatile.Write(ref _status, Status with { NextAttemptNotBefore = _notBefore });
                        }
                    }

                    wake = Min(nextRead, _hysteresis.NextChange(options.DownHoldTime, options.UpHoldTime));
                    if (_notBefore > now && wake < _notBefore)
                    {
                        wake = _notBefore;
                    }

                    // Until every service has its first probe results, look again soon.
                    if (options.Records.Any(r => !_settled.Contains(r.Service)))
                    {
                        wake = Min(now + TimeSpan.FromMilliseconds(200), wake);
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }

            if (!await WaitAsync(wake, stopping).ConfigureAwait(false))
            {
                return;
            }

            // A whole turn without a fault: the supervisor's backoff starts over.
            _loopFaults = 0;
        }
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
            await _wake.WaitAsync(linked.Token).ConfigureAwait(false);

            // Woken by a change: let the rest of a burst of changes arrive.
            await Task.Delay(Debounce, _time, stopping).ConfigureAwait(false);
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

    /// <summary>The desired record sets now: live region state through hold-down, then the records' policies.</summary>
    private IReadOnlyList<DesiredRecord> Desire(DnsOptions options, DateTimeOffset now)
    {
        var views = new Dictionary<(string Service, string Region), RegionView>();
        var statuses = new List<DnsRegionStatus>();
        foreach (var service in _runtime.Table.Services)
        {
            var settled = IsSettled(service, now);
            var health = service.Health;
            for (var i = 0; i < service.Regions.Length; i++)
            {
                var region = service.Regions[i];
                var live = health.Regions[i].Usable;
                bool? published = settled ? _hysteresis.Observe(service.Name, region.Name, live, now, options.DownHoldTime, options.UpHoldTime) : null;
                views[(service.Name, region.Name)] = new RegionView(i, published, live);
                var held = _hysteresis.Describe(service.Name, region.Name);
                statuses.Add(new DnsRegionStatus(service.Name, region.Name, live, published, held?.Since));
            }
        }

        _hysteresis.Retain(views.Keys.ToHashSet());
        _regionStatuses = statuses;
        return DnsPlanner.Desire(options.Records, views);
    }

    /// <summary>
    /// A service's regions are published only once every destination has a settled probe result (the probe state agrees
    /// with the last probe), or after two probe intervals: a restart must not publish a region that is in fact down.
    /// </summary>
    private bool IsSettled(ServiceRoute service, DateTimeOffset now)
    {
        if (_settled.Contains(service.Name))
        {
            return true;
        }

        var health = service.Options.HealthCheck;
        var settled = now - _startedAt >= 2 * (health.Interval + health.Timeout) || service.Regions.All(r => r.Destinations.All(d =>
            d.LastProbe is { } probe && probe.Healthy == probe.Last.Healthy));
        if (settled)
        {
            _settled.Add(service.Name);
        }

        return settled;
    }

    /// <summary>One round: read, plan, apply. False when the provider failed (the caller backs off).</summary>
    private async Task<bool> RoundAsync(DnsOptions options, IReadOnlyList<DesiredRecord> desired, bool force, CancellationToken stopping)
    {
        var started = _time.GetTimestamp();
        var providerName = ProviderName(options.Provider);
        // The loop has just written state, provider, owner, dry run and regions.
        var status = Status with { LastAttemptAt = _time.GetUtcNow(), NeverEmptyBlocked = ReportNeverEmpty(desired) };

        var result = "error";
        IDnsProvider? provider = null;
        var requestsBefore = 0;
        try
        {
            provider = EnsureProvider(options);
            requestsBefore = provider.RequestsSent;
            var current = await provider.ReadAsync(DnsOwnership.NamesToRead(options.Records), stopping).ConfigureAwait(false);
            if (!_seeded)
            {
                _seeded = true;
                if (HoldBackUnpublished(options, current, _time.GetUtcNow()))
                {
                    desired = Desire(options, _time.GetUtcNow());
                }
            }

            var plan = DnsPlanner.Plan(desired, current, options.OwnerId, options.MaxChangeShare, provider.EffectiveTtl, _lastDesired);
            status = status with { LastPlan = plan };
            ReportConflicts(plan);

            if (plan.IsEmpty)
            {
                result = "unchanged";
            }
            else if (options.DryRun)
            {
                result = "dry_run";
                LogDryRun(providerName, plan.Summary());
            }
            else if (plan.OverChangeCap is not null && !force)
            {
                result = "blocked";
                LogChangeCap(providerName, plan.OverChangeCap, plan.Summary());
            }
            else
            {
                var applied = await provider.ApplyAsync(plan.Changes, stopping).ConfigureAwait(false);
                result = "success";
                status = status with { LastChangeAt = _time.GetUtcNow() };
                if (applied.ServedAfter is { } served)
                {
                    _metrics.DnsServed.WithLabels(providerName).Observe(served.TotalSeconds);
                }

                LogPushed(providerName, plan.Summary(), applied.ServedAfter is { } s ? $"{s.TotalMilliseconds:0} ms" : "not checked");
            }

            if (result is "success" or "unchanged")
            {
                RememberDesired(plan);
            }

            var finished = _time.GetUtcNow();
            _metrics.DnsLastSuccess.WithLabels(providerName).Set(finished.ToUnixTimeMilliseconds() / 1000.0);
            status = status with { State = "ok", LastResult = result, LastError = null, LastSuccessAt = finished, NextAttemptNotBefore = null };
            if (_lastError is not null)
            {
                LogRecovered(providerName, _lastError);
                _lastError = null;
            }

            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            // A provider error, or anything a provider (or the planner) should never have thrown: a failed round all
            // the same (backoff, metric, status, one log line per distinct error), never a loop that dies or spins.
            var providerError = e as DnsProviderException;
            result = providerError is null ? "error" : ResultLabel(providerError.Kind);
            var error = providerError is null ? $"unexpected {Describe(e)}" : providerError.Code is null ? e.Message : $"{providerError.Code}: {e.Message}";
            if (providerError?.RetryAfter is { } retryAfter)
            {
                _notBefore = Max(_notBefore, _time.GetUtcNow() + WaitLimits.CapProviderWait(retryAfter));
            }

            if (error != _lastError)
            {
                LogProviderFailed(providerName, result, error, providerError?.RetryAfter?.TotalSeconds ?? 0);
                if (providerError is null)
                {
                    LogExceptionDetail(e);
                }

                _lastError = error;
            }

            status = status with { State = "failing", LastResult = result, LastError = error };
            return false;
        }
        finally
        {
            _metrics.DnsPushes.WithLabels(providerName, result).Inc();
            _metrics.DnsPushDuration.WithLabels(providerName).Observe(_time.GetElapsedTime(started).TotalSeconds);
            if (provider is not null)
            {
                _metrics.DnsProviderRequests.WithLabels(providerName).Inc(Math.Max(0, provider.RequestsSent - requestsBefore));
            }

            Volatile.Write(ref _status, status);
        }
    }

    /// <summary>
    /// On the first read after start: a region whose values the provider does not publish now (under our marker) is
    /// held back for the up hold time, as if it had just come up; for <c>failover</c> only regions ahead of the one
    /// published. A restart during a hold must not cut it short. True when a region was held back.
    /// </summary>
    private bool HoldBackUnpublished(DnsOptions options, IReadOnlyList<DnsRecordSet> current, DateTimeOffset now)
    {
        var heldBack = false;
        foreach (var record in options.Records)
        {
            var published = current.FirstOrDefault(s => s.Name == record.Name && s.Type == record.Type);
            var marker = current.FirstOrDefault(s => s.Name == DnsOwnership.MarkerName(record.Name, record.Type) && s.Type == DnsRecordType.TXT);
            if (published is null || !DnsOwnership.IsOwnedBy(marker, options.OwnerId))
            {
                continue;
            }

            var service = _runtime.Table.Find(record.Service);
            if (service is null)
            {
                continue;
            }

            // A set that holds none of the configured values is a config change, not a hold in progress.
            var ordered = record.Regions.OrderBy(r => Array.FindIndex(service.Regions, x => x.Name == r.Region)).ToList();
            if (!ordered.Any(r => r.Values.Any(published.Values.Contains)))
            {
                continue;
            }

            foreach (var (region, values) in ordered)
            {
                if (values.Any(published.Values.Contains))
                {
                    if (record.Policy == DnsPolicy.Failover)
                    {
                        break;
                    }

                    continue;
                }

                _hysteresis.HoldBack(record.Service, region, now);
                heldBack = true;
            }
        }

        return heldBack;
    }

    /// <summary>What this edge now stands behind per record: pushed, found in place, or kept from a twin (see <see cref="DnsPlanner.Plan"/>).</summary>
    private void RememberDesired(DnsPlan plan)
    {
        _lastDesired.Clear();
        foreach (var record in plan.Records)
        {
            if (record.Desired is { } set && record.Outcome is DnsRecordOutcome.Unchanged or DnsRecordOutcome.Create or DnsRecordOutcome.Update or DnsRecordOutcome.Held)
            {
                _lastDesired[(record.Name, record.Type)] = set;
            }
        }
    }

    /// <summary>The provider for these options: kept across rounds and reloads (its budget and Retry-After state with it) while its settings stay the same.</summary>
    private IDnsProvider EnsureProvider(DnsOptions options)
    {
        var key = DnsProviderFactory.SettingsKey(options);
        if (_provider is null || key != _providerKey)
        {
            ReplaceProvider(null, null);
            ReplaceProvider(_createProvider(options), key);
        }

        return _provider!;
    }

    private void ReplaceProvider(IDnsProvider? provider, string? key)
    {
        try
        {
            _provider?.Dispose();
        }
        catch (Exception e)
        {
            LogStopTrouble(e.GetType().Name, ProviderText.Clip(e.Message));
        }

        _provider = provider;
        _providerKey = key;
    }

    /// <summary>Sets the never-empty gauge, logs a change of the held records once, and returns them for status.</summary>
    private List<string> ReportNeverEmpty(IReadOnlyList<DesiredRecord> desired)
    {
        var neverEmpty = desired.Where(d => d.NeverEmpty).Select(d => $"{d.Options.Name} {d.Options.Type}").ToList();
        _metrics.DnsNeverEmptyBlocked.Set(neverEmpty.Count > 0 ? 1 : 0);
        var held = string.Join(", ", neverEmpty);
        if (held == (_lastHeld ?? ""))
        {
            return neverEmpty;
        }

        if (held.Length > 0)
        {
            LogNeverEmpty(held);
        }
        else
        {
            LogNeverEmptyCleared();
        }

        _lastHeld = held;
        return neverEmpty;
    }

    private void ReportConflicts(DnsPlan plan)
    {
        var conflicts = plan.Records.Where(r => r.Outcome == DnsRecordOutcome.Conflict).ToList();
        _metrics.DnsConflicts.Set(conflicts.Count);
        var text = string.Join("; ", conflicts.Select(c => $"{c.Name} {c.Type}: {c.Detail}"));
        if (text != (_lastConflicts ?? "") && text.Length > 0)
        {
            LogConflicts(conflicts.Count, text);
        }

        _lastConflicts = text;
    }

    private static string ResultLabel(DnsProviderError kind) => kind switch
    {
        DnsProviderError.RateLimited => "rate_limited",
        DnsProviderError.Unavailable => "unavailable",
        DnsProviderError.Unauthorized => "unauthorized",
        DnsProviderError.StateChanged => "state_changed",
        _ => "rejected",
    };

    /// <summary>An exception in one short line: its type and (clipped) message.</summary>
    private static string Describe(Exception e) => $"{e.GetType().Name}: {ProviderText.Clip(e.Message)}";

    public static string ProviderName(DnsProviderKind kind) => kind == DnsProviderKind.Cloudflare ? "cloudflare" : "rfc2136";

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset? b) => b is { } value && value < a ? value : a;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}

using NeuroPilot.Edge.CircuitBreaking;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Health.Internal;

/// <summary>
/// One probed address with its probe settings, shared by every service and region that lists it (probed once).
/// The shared <see cref="ProbeScheduler"/> starts its probes (interval or fast interval, jittered; at once on suspicion)
/// and cancels one over its timeout; each result goes to every subscribed destination: active health
/// (<see cref="DestinationState.MarkedDown"/>) and the breaker's gate. At most one probe runs at a time.
/// <para>
/// 10,000 destinations keep 10,000 of these, so a target holds no cancellation source and no task between probes: a
/// probe over its kept connection is ended by closing the connection (<see cref="HttpProbeConnection.Abort"/>), stop
/// is a flag, and only a probe without a kept connection (https, a TCP connect) gets a cancellation source, for
/// itself only. The task of a probe is not kept: <see cref="StopAsync"/> hands out a waiter only when a probe runs.
/// </para>
/// </summary>
internal sealed class ProbeTarget : IDisposable, IProbeRecord
{
    private readonly Func<ProbeTarget, CancellationToken, Task<ProbeResult>>? _probe;
    private readonly Prober? _prober;
    private readonly ProbeScheduler _scheduler;
    private readonly Action<ProbeTarget, DestinationState[], ProbeResult, bool> _onResult;
    private readonly HttpProbeConnection? _connection;
    /// <summary>
    /// Locks shared by stripes of targets (a gate is held for a few field writes or one send): a lock per target was
    /// 40 bytes each at 10,000 destinations.
    /// </summary>
    private static readonly LockStripes Gates = new(64);

    private readonly Lock _probeGate = Gates.Next();
    private CancellationTokenSource? _cancel;
    private TaskCompletionSource? _stopped;
    private DestinationState[] _subscribers = [];
    private long _probeNumber;
    private volatile bool _stopping;
    private bool _probing;
    private long _inFlightSince;
    private long _lastFailureStartedAt;
    private long _typicalTicks;
    private ProbeResult _last;
    private long _lastAtTicks;

    /// <param name="startHealthy">False to start down (a reload that changed probe settings of a destination known down).</param>
    public ProbeTarget(string key, Uri url, HealthCheckOptions options, Prober prober, ProbeScheduler scheduler,
        Action<ProbeTarget, DestinationState[], ProbeResult, bool> onResult, bool startHealthy = true)
        : this(key, url, options, scheduler, onResult, startHealthy, probe: null)
    {
        // No closure per target: 10,000 targets would keep 10,000 of them.
        _prober = prober;
    }

    /// <param name="probe">Runs one probe (target, cancelled at its deadline or stop); null: the prober's (a test's stand-in).</param>
    internal ProbeTarget(string key, Uri url, HealthCheckOptions options, ProbeScheduler scheduler,
        Action<ProbeTarget, DestinationState[], ProbeResult, bool> onResult, bool startHealthy,
        Func<ProbeTarget, CancellationToken, Task<ProbeResult>>? probe)
    {
        Key = key;
        Url = url;
        _connection = probe is null ? Prober.ConnectionFor(url, options) : null;
        Tracker = new ProbeTracker(options, startHealthy);
        _scheduler = scheduler;
        _onResult = onResult;
        _probe = probe;
    }

    /// <summary>The target's name: its address (the health agent keys its targets by address and probe settings).</summary>
    public string Key { get; }

    /// <summary>The service's <c>UpstreamTls</c> for an https destination: probes verify the destination as requests do.</summary>
    public UpstreamTlsOptions? Tls { get; init; }

    public Uri Url { get; }

    public ProbeTracker Tracker { get; }

    public DestinationState[] Subscribers
    {
        get => Volatile.Read(ref _subscribers);
        set => Volatile.Write(ref _subscribers, value);
    }

    public bool IsStopped => _stopping;

    /// <summary>The scheduler's: which of its due entries is current (under the scheduler's gate).</summary>
    internal long Version { get; set; }

    /// <summary>The scheduler's: a probe was handed out and not rescheduled yet (under the scheduler's gate).</summary>
    internal bool InProbe { get; set; }

    /// <summary>The scheduler's: probe again as soon as the running probe is over (under the scheduler's gate).</summary>
    internal bool WakeRequested { get; set; }

    /// <summary>Schedules the first probe: a random phase within the fast interval.</summary>
    public void Start() => _scheduler.Schedule(this, Tracker.FirstDelay(Random.Shared.NextDouble()));

    /// <summary>
    /// Whether a probe sent at or after <paramref name="since"/> (a timestamp) says the destination is not answering:
    /// it failed, or it is still unanswered after <paramref name="patience"/> and four times the usual probe time.
    /// The corroboration that lets one long-waiting request count as a stall.
    /// </summary>
    public bool ProbeUnansweredSince(long since, long now, TimeSpan patience)
    {
        if (Volatile.Read(ref _lastFailureStartedAt) is var failed && failed != 0 && failed >= since)
        {
            return true;
        }

        var started = Volatile.Read(ref _inFlightSince);
        var bound = TimeSpan.FromTicks(Math.Max(patience.Ticks, 4 * Volatile.Read(ref _typicalTicks)));
        return started != 0 && started >= since && _scheduler.Time.GetElapsedTime(started, now) >= bound;
    }

    /// <summary>Probe now instead of at the next scheduled time (a breaker opened, a request stalls).</summary>
    public void ProbeNow() => _scheduler.ProbeNow(this);

    /// <summary>Never probes again; a probe in flight is cancelled and its result dropped.</summary>
    public void Dispose() => _ = StopAsync();

    /// <summary>Stops, and completes once no probe of this target is running.</summary>
    public Task StopAsync()
    {
        lock (_probeGate)
        {
            if (!_stopping)
            {
                _stopping = true;
                if (_probing)
                {
                    AbortProbe();
                }
                else
                {
                    // No probe can be using the connection: close it now (else the probe closes it when it ends).
                    _connection?.Dispose();
                }
            }

            return !_probing ? Task.CompletedTask : (_stopped ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>
    /// Sends the request of the probe about to start on the kept connection (the scheduler's call, for a batch before
    /// it starts the batch's probes); false when there is none to send ahead.
    /// </summary>
    internal bool SendAhead()
    {
        lock (_probeGate)
        {
            return !_stopping && _connection is not null && _connection.TrySendAhead();
        }
    }

    /// <summary>Starts a probe (the scheduler's call); its number for <see cref="CancelProbe"/>, or 0 when stopped.</summary>
    internal long BeginProbe(long now)
    {
        CancellationToken cancel;
        long number;
        lock (_probeGate)
        {
            if (_stopping)
            {
                return 0;
            }

            _probing = true;
            number = ++_probeNumber;
            if (_connection is null)
            {
                _cancel = new CancellationTokenSource();
                cancel = _cancel.Token;
            }
            else
            {
                _connection.Rearm();
                cancel = CancellationToken.None;
            }

            Volatile.Write(ref _inFlightSince, now);
        }

        // Not kept: a finished probe's task would stay alive with every target (StopAsync waits through _stopped).
        _ = ProbeAsync(now, cancel);
        return number;
    }

    /// <summary>Whether probe <paramref name="number"/> is still running.</summary>
    internal bool IsProbing(long number)
    {
        lock (_probeGate)
        {
            return _probing && _probeNumber == number;
        }
    }

    /// <summary>Cancels probe <paramref name="number"/> if it is still running: it is over its timeout.</summary>
    internal void CancelProbe(long number)
    {
        lock (_probeGate)
        {
            if (_probing && _probeNumber == number)
            {
                AbortProbe();
            }
        }
    }

    /// <summary>Ends the running probe now (under the gate): its kept connection is closed, or its cancellation source cancelled.</summary>
    private void AbortProbe()
    {
        if (_connection is not null)
        {
            _connection.Abort();
        }
        else
        {
            _cancel?.Cancel();
        }
    }

    private async Task ProbeAsync(long started, CancellationToken cancel)
    {
        ProbeResult? result;
        try
        {
            // A stop's result is dropped below, so the prober needs no token of its own for it.
            result = _probe is null
                ? await _prober!.ProbeWithinAsync(Url, Tracker.Options, Tls, _connection, cancel, CancellationToken.None)
                : await _probe(this, cancel);
        }
        catch (Exception) when (_stopping)
        {
            result = null;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            result = new ProbeResult(false, _scheduler.Time.GetElapsedTime(started), Prober.TimedOut(Tracker.Options.Timeout));
        }
        finally
        {
            Volatile.Write(ref _inFlightSince, 0);
            EndProbe();
        }

        if (result is null || _stopping)
        {
            // Stopped while probing (a reload removed it): its subscribers and their metric series are gone.
            return;
        }

        Record(started, result.Value);
        _scheduler.Schedule(this, Tracker.NextDelay(IsSuspected(), Random.Shared.NextDouble()));
    }

    private void EndProbe()
    {
        TaskCompletionSource? stopped;
        lock (_probeGate)
        {
            _probing = false;
            _cancel?.Dispose();
            _cancel = null;
            if (_stopping)
            {
                _connection?.Dispose();
            }

            stopped = _stopped;
            _stopped = null;
        }

        stopped?.SetResult();
    }

    private void Record(long started, ProbeResult result)
    {
        if (result.Healthy)
        {
            // EWMA with weight 1/8 of the time healthy probes take.
            var typical = Volatile.Read(ref _typicalTicks);
            Volatile.Write(ref _typicalTicks, typical == 0 ? result.Duration.Ticks : typical + ((result.Duration.Ticks - typical) / 8));
        }
        else
        {
            Volatile.Write(ref _lastFailureStartedAt, started);
        }

        bool changed;
        var at = _scheduler.Time.GetUtcNow().UtcTicks;
        lock (_probeGate)
        {
            // The tracker and the last result change together: a snapshot read under the gate sees one probe.
            changed = Tracker.Record(result.Healthy);
            _last = result;
            _lastAtTicks = at;
        }

        _onResult(this, Subscribers, result, changed);
    }

    /// <summary>The last probe's result with the tracker after it (null before the first): read at <c>/admin/status</c>, not made per probe.</summary>
    public ProbeSnapshot? Snapshot()
    {
        lock (_probeGate)
        {
            return _lastAtTicks == 0
                ? null
                : new ProbeSnapshot(Tracker.Healthy, _last, new DateTimeOffset(_lastAtTicks, TimeSpan.Zero), Tracker.ConsecutiveFailures, Tracker.ConsecutiveSuccesses);
        }
    }

    private bool IsSuspected()
    {
        foreach (var destination in Subscribers)
        {
            if (destination.Breaker.State != CircuitState.Closed)
            {
                return true;
            }
        }

        return false;
    }
}

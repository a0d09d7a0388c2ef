using NeuroPilot.Edge.CircuitBreaking;
using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Routing;

/// <summary>
/// One upstream destination of one region of one service: everything the request path reads to route and
/// everything it records, all lock-free. Lives across reloads while the destination stays in the config, so
/// health, breaker state and counters survive a reload.
/// </summary>
public sealed class DestinationState
{
    private int _inFlight;
    private int _awaitingHeaders;
    private long _busySince;
    private long _waitingSince;
    private long _lastHeadersAt;
    private long _typicalHeadersTicks;
    private volatile bool _markedDown;
    private IProbeRecord? _lastProbe;
    private DestinationChanges? _changes;
    private int _listed;

    public DestinationState(
        Uri url,
        string service = "",
        string region = "",
        CircuitBreakerOptions? breaker = null,
        int healthyThreshold = HealthCheckDefaults.HealthyThreshold,
        TimeProvider? time = null)
    {
        Url = url;
        Service = service;
        Region = region;
        Address = url.OriginalString.TrimEnd('/');
        Prefix = url.AbsoluteUri;
        Time = time ?? TimeProvider.System;
        Breaker = new CircuitBreaker(breaker ?? new CircuitBreakerOptions(), healthyThreshold, Time);
    }

    public Uri Url { get; }

    public string Service { get; }

    public string Region { get; }

    /// <summary>The destination as written in the config, without a trailing slash: the metric label and status key.</summary>
    public string Address { get; }

    /// <summary>The URI prefix the forwarder appends the request path to.</summary>
    public string Prefix { get; }

    public TimeProvider Time { get; }

    /// <summary>Passive health: fed by every attempt forwarded here.</summary>
    public CircuitBreaker Breaker { get; }

    /// <summary>Requests now being forwarded to this destination (the load balancer's signal).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Attempts sent here that have no response headers yet.</summary>
    public int AwaitingHeaders => Volatile.Read(ref _awaitingHeaders);

    /// <summary>
    /// Active health: set by the probes (fall/rise thresholds), read by routing. A destination marked down gets no
    /// new traffic.
    /// </summary>
    public bool MarkedDown
    {
        get => _markedDown;
        set
        {
            if (_markedDown != value)
            {
                _markedDown = value;
                Notify();
            }
        }
    }

    /// <summary>Where this destination lists itself when a request starts waiting or its probe health changes (the health agent's; null: nobody watches).</summary>
    public DestinationChanges? Changes
    {
        get => Volatile.Read(ref _changes);
        set => Volatile.Write(ref _changes, value);
    }

    /// <summary>The last active probe (null before the first), read from <see cref="ProbeRecord"/>.</summary>
    public ProbeSnapshot? LastProbe => Volatile.Read(ref _lastProbe)?.Snapshot();

    /// <summary>Where <see cref="LastProbe"/> is read: the probe target that delivered the last result (set by the health agent at each result).</summary>
    public IProbeRecord? ProbeRecord
    {
        get => Volatile.Read(ref _lastProbe);
        set => Volatile.Write(ref _lastProbe, value);
    }

    /// <summary>Whether new requests may be sent here: probes say up and the breaker is closed.</summary>
    public bool IsAvailable => !_markedDown && Breaker.State == CircuitState.Closed;

    /// <summary>A smoothed time to response headers, for spotting requests that stall far beyond it.</summary>
    public TimeSpan TypicalHeadersTime => TimeSpan.FromTicks(Volatile.Read(ref _typicalHeadersTicks));

    public void OnRequestStarted() => Interlocked.Increment(ref _inFlight);

    public void OnRequestEnded() => Interlocked.Decrement(ref _inFlight);

    /// <summary>An attempt was sent; returns its start timestamp.</summary>
    public long OnAttemptStarted()
    {
        var now = Time.GetTimestamp();

        // The stall clock starts when StallMinRequests requests are waiting, not when the first one is: one slow
        // request followed by a fresh one must not look like a destination silent for the slow one's whole wait.
        var awaiting = Interlocked.Increment(ref _awaitingHeaders);
        if (awaiting == 1)
        {
            Volatile.Write(ref _waitingSince, now);
            Notify();
        }

        if (awaiting == Math.Max(1, Breaker.Options.StallMinRequests))
        {
            Volatile.Write(ref _busySince, now);
        }

        return now;
    }

    /// <summary>
    /// Lists the destination in <see cref="Changes"/> unless it is listed already or held by its taker: a volatile read
    /// on the request path while it is.
    /// </summary>
    public void Notify()
    {
        if (Volatile.Read(ref _listed) == 0 && Volatile.Read(ref _changes) is { } changes && Interlocked.Exchange(ref _listed, 1) == 0)
        {
            changes.Add(this);
        }
    }

    /// <summary>
    /// The taker of <see cref="Changes"/> looks at the destination now: a change from here on lists it again. Call
    /// before reading its state, so no change falls between the read and the release.
    /// </summary>
    public void Release() => Interlocked.Exchange(ref _listed, 0);

    /// <summary>The taker keeps watching the destination (it has requests waiting, say): changes need not list it again; false when one already has.</summary>
    public bool Hold() => Interlocked.Exchange(ref _listed, 1) == 0;

    /// <summary>Response headers arrived for an attempt started at <paramref name="startedAt"/>.</summary>
    public void OnHeadersReceived(long startedAt)
    {
        var now = Time.GetTimestamp();
        Interlocked.Decrement(ref _awaitingHeaders);
        Volatile.Write(ref _lastHeadersAt, now);
        var sample = Time.GetElapsedTime(startedAt, now).Ticks;
        var typical = Volatile.Read(ref _typicalHeadersTicks);

        // EWMA with weight 1/16; a lost update under a race only skews a heuristic.
        Volatile.Write(ref _typicalHeadersTicks, typical == 0 ? sample : typical + ((sample - typical) / 16));
    }

    /// <summary>An attempt ended without response headers (error, timeout, cancel).</summary>
    public void OnAttemptEndedWithoutHeaders() => Interlocked.Decrement(ref _awaitingHeaders);

    /// <summary>
    /// How long requests here have been waiting with no response headers coming back from this destination at all:
    /// zero when nothing is waiting.
    /// </summary>
    public TimeSpan SilentFor(long now)
    {
        if (Volatile.Read(ref _awaitingHeaders) <= 0)
        {
            return TimeSpan.Zero;
        }

        var since = Math.Max(Volatile.Read(ref _busySince), Volatile.Read(ref _lastHeadersAt));
        return since == 0 ? TimeSpan.Zero : Time.GetElapsedTime(since, now);
    }

    /// <summary>
    /// How long at least one request here has been waiting on this destination with no response headers from it at
    /// all (a single request is enough, unlike <see cref="SilentFor"/>): zero when nothing is waiting. Requests still
    /// sending their body are not waiting on the destination and do not count.
    /// </summary>
    public TimeSpan WaitingFor(long now)
    {
        if (Volatile.Read(ref _awaitingHeaders) <= 0)
        {
            return TimeSpan.Zero;
        }

        var since = Math.Max(Volatile.Read(ref _waitingSince), Volatile.Read(ref _lastHeadersAt));
        return since == 0 ? TimeSpan.Zero : Time.GetElapsedTime(since, now);
    }
}

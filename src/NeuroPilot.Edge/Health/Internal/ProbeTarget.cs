using NeuroPilot.Edge.CircuitBreaking;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Health.Internal;

/// <summary>
/// One probed address with its probe settings, shared by every service and region that lists it (probed once).
/// Its loop waits (interval or fast interval, jittered; woken early on suspicion), probes, and hands the result to
/// every subscribed destination: active health (<see cref="DestinationState.MarkedDown"/>) and the breaker's gate.
/// </summary>
internal sealed class ProbeTarget : IDisposable
{
    private readonly Prober _prober;
    private readonly TimeProvider _time;
    private readonly Action<ProbeTarget, DestinationState[], ProbeResult, bool> _onResult;
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpProbeConnection? _connection;
    private readonly Lock _wakeGate = new();
    private CancellationTokenSource _wake = new();
    private DestinationState[] _subscribers = [];
    private Task _loop = Task.CompletedTask;
    private long _inFlightSince;
    private long _lastFailureStartedAt;
    private long _typicalTicks;

    /// <param name="startHealthy">False to start down (a reload that changed probe settings of a destination known down).</param>
    public ProbeTarget(string key, Uri url, HealthCheckOptions options, Prober prober, TimeProvider time,
        Action<ProbeTarget, DestinationState[], ProbeResult, bool> onResult, bool startHealthy = true)
    {
        Key = key;
        Url = url;
        _connection = Prober.ConnectionFor(url, options);
        Tracker = new ProbeTracker(options, startHealthy);
        _prober = prober;
        _time = time;
        _onResult = onResult;
    }

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

    public void Start() => _loop = Task.Run(RunAsync);

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
        return started != 0 && started >= since && _time.GetElapsedTime(started, now) >= bound;
    }

    /// <summary>Probe now instead of at the next scheduled time (a breaker opened, a request stalls).</summary>
    public void ProbeNow()
    {
        lock (_wakeGate)
        {
            _wake.Cancel();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        ProbeNow();
    }

    public Task StopAsync()
    {
        Dispose();
        return _loop;
    }

    private async Task RunAsync()
    {
        try
        {
            await ProbeUntilStoppedAsync();
        }
        finally
        {
            // The loop is the connection's only user: it is closed once no probe can be using it.
            _connection?.Dispose();
        }
    }

    private async Task ProbeUntilStoppedAsync()
    {
        var first = true;
        while (!_stop.IsCancellationRequested)
        {
            var delay = first
                ? Tracker.FirstDelay(Random.Shared.NextDouble())
                : Tracker.NextDelay(IsSuspected(), Random.Shared.NextDouble());
            first = false;

            CancellationToken wake;
            lock (_wakeGate)
            {
                wake = _wake.Token;
            }

            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(wake, _stop.Token))
            {
                try
                {
                    await Task.Delay(delay, _time, linked.Token);
                }
                catch (OperationCanceledException)
                {
                    lock (_wakeGate)
                    {
                        if (_wake.IsCancellationRequested)
                        {
                            _wake.Dispose();
                            _wake = new CancellationTokenSource();
                        }
                    }
                }
            }

            if (_stop.IsCancellationRequested)
            {
                return;
            }

            ProbeResult result;
            var started = _time.GetTimestamp();
            Volatile.Write(ref _inFlightSince, started);
            try
            {
                result = await _prober.ProbeAsync(Url, Tracker.Options, Tls, _connection, _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            finally
            {
                Volatile.Write(ref _inFlightSince, 0);
            }

            if (_stop.IsCancellationRequested)
            {
                // Stopped while probing (a reload removed it): its subscribers and their metric series are gone.
                return;
            }

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

            var changed = Tracker.Record(result.Healthy);
            _onResult(this, Subscribers, result, changed);
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

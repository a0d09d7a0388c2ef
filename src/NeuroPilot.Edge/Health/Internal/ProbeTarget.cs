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
    private readonly Lock _wakeGate = new();
    private CancellationTokenSource _wake = new();
    private DestinationState[] _subscribers = [];
    private Task _loop = Task.CompletedTask;

    public ProbeTarget(string key, Uri url, HealthCheckOptions options, Prober prober, TimeProvider time,
        Action<ProbeTarget, DestinationState[], ProbeResult, bool> onResult)
    {
        Key = key;
        Url = url;
        Tracker = new ProbeTracker(options);
        _prober = prober;
        _time = time;
        _onResult = onResult;
    }

    public string Key { get; }

    public Uri Url { get; }

    public ProbeTracker Tracker { get; }

    public DestinationState[] Subscribers
    {
        get => Volatile.Read(ref _subscribers);
        set => Volatile.Write(ref _subscribers, value);
    }

    public void Start() => _loop = Task.Run(RunAsync);

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
                    await Task.Delay(delay, _time, linked.Token).ConfigureAwait(false);
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
            try
            {
                result = await _prober.ProbeAsync(Url, Tracker.Options, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
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

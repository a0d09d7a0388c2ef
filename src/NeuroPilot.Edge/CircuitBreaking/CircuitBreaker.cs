using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.CircuitBreaking;

/// <summary>
/// The circuit breaker of one destination: the state machine, nothing else (counting lives in
/// <see cref="FailureWindow"/>).
/// <list type="bullet">
/// <item>Closed -> Open: <c>ConsecutiveFailures</c> failed attempts in a row, or a failure share of at least
/// <c>FailureRatio</c> over <c>SamplingDuration</c> with <c>MinimumThroughput</c> attempts, or a stall.</item>
/// <item>Open -> HalfOpen: the break duration has passed AND <c>requiredProbeSuccesses</c> probes in a row succeeded
/// since the trip, so a region gets traffic back only once probes vouch for it.</item>
/// <item>HalfOpen: admits <c>HalfOpenTrials</c> trial requests; a success closes, a failure re-opens with twice the
/// break duration (capped at <c>MaxBreakDuration</c>). Without traffic (a pod taken out of its Service, trials that
/// ended for the client's reasons) <c>requiredProbeSuccesses</c> more probes in a row close it: readiness never waits
/// on trials that may never come.</item>
/// </list>
/// Recording an outcome in the closed state is lock-free; transitions (rare) take a lock, and the
/// <see cref="Observer"/> is told after it is released.
/// </summary>
public sealed class CircuitBreaker
{
    /// <summary>
    /// Locks shared by stripes of breakers: a gate is held for a transition's few field writes (rare, never on the
    /// closed state's request path, never while taking another lock), and a lock per breaker was 40 bytes each at
    /// 10,000 destinations.
    /// </summary>
    private static readonly LockStripes Gates = new(64);

    private readonly TimeProvider _time;
    private readonly Lock _gate = Gates.Next();
    private CircuitBreakerOptions _options;
    private FailureWindow _window;
    private int _requiredProbeSuccesses;
    private volatile int _state;
    private int _consecutiveFailures;
    private int _trialPermits;
    private long _openedAt;
    private TimeSpan _breakDuration;
    private int _probeSuccessesSinceOpen;
    private int _probeSuccessesSinceHalfOpen;
    private long _closedAt;

    public CircuitBreaker(CircuitBreakerOptions options, int requiredProbeSuccesses, TimeProvider time)
    {
        _time = time;
        _options = options;
        _requiredProbeSuccesses = requiredProbeSuccesses;
        _window = new FailureWindow(options.SamplingDuration, time.TimestampFrequency);
        _breakDuration = options.BreakDuration;
    }

    /// <summary>Told of each transition, outside the lock: (from, to, reason). The health agent's watch of the destination.</summary>
    public ICircuitBreakerObserver? Observer { get; set; }

    public CircuitState State => (CircuitState)_state;

    /// <summary>The break duration the next (or current) open period lasts.</summary>
    public TimeSpan BreakDuration
    {
        get
        {
            lock (_gate)
            {
                return _breakDuration;
            }
        }
    }

    public CircuitBreakerOptions Options => Volatile.Read(ref _options);

    /// <summary>Applies new options (a reload); the state is kept.</summary>
    public void Reconfigure(CircuitBreakerOptions options, int requiredProbeSuccesses)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(options, _options) && options.SamplingDuration != _options.SamplingDuration)
            {
                _window = new FailureWindow(options.SamplingDuration, _time.TimestampFrequency);
            }

            Volatile.Write(ref _options, options);
            _requiredProbeSuccesses = requiredProbeSuccesses;
        }
    }

    /// <summary>Takes one trial slot while half-open; false when closed, open, or the trials are taken.</summary>
    public bool TryAcquireTrial() =>
        _state == (int)CircuitState.HalfOpen && Volatile.Read(ref _trialPermits) > 0 && Interlocked.Decrement(ref _trialPermits) >= 0;

    public void OnSuccess()
    {
        if (Volatile.Read(ref _consecutiveFailures) != 0)
        {
            Volatile.Write(ref _consecutiveFailures, 0);
        }

        Volatile.Read(ref _window).Record(_time.GetTimestamp(), failed: false);
        if (_state == (int)CircuitState.HalfOpen)
        {
            Transition(CircuitState.HalfOpen, CircuitState.Closed, "trial request succeeded");
        }
    }

    public void OnFailure(string reason)
    {
        var consecutive = Interlocked.Increment(ref _consecutiveFailures);
        var now = _time.GetTimestamp();
        var window = Volatile.Read(ref _window);
        window.Record(now, failed: true);
        var state = (CircuitState)_state;
        if (state == CircuitState.HalfOpen)
        {
            Transition(CircuitState.HalfOpen, CircuitState.Open, $"trial request failed ({reason})");
            return;
        }

        if (state != CircuitState.Closed)
        {
            return;
        }

        var options = Options;
        if (consecutive >= options.ConsecutiveFailures)
        {
            Transition(CircuitState.Closed, CircuitState.Open, $"{consecutive} consecutive failures ({reason})");
            return;
        }

        var (total, failures) = window.Sum(now);
        if (total >= options.MinimumThroughput && failures >= options.FailureRatio * total)
        {
            Transition(CircuitState.Closed, CircuitState.Open, $"{failures} of {total} attempts failed in {options.SamplingDuration.TotalSeconds:0.#} s ({reason})");
        }
    }

    /// <summary>The destination holds requests and sends no response headers at all: treat it as hung.</summary>
    public void OnStall(string detail)
    {
        var state = (CircuitState)_state;
        if (state != CircuitState.Open)
        {
            Transition(state, CircuitState.Open, $"stalled: {detail}");
        }
    }

    /// <summary>
    /// A probe result for this destination: successes since the trip open the way to half-open, and as many again
    /// while half-open close the breaker when no trial request has done so.
    /// </summary>
    public void OnProbe(bool healthy)
    {
        var state = (CircuitState)_state;
        if (state == CircuitState.Closed)
        {
            return;
        }

        if (state == CircuitState.HalfOpen)
        {
            bool close;
            int successes;
            lock (_gate)
            {
                _probeSuccessesSinceHalfOpen = healthy ? _probeSuccessesSinceHalfOpen + 1 : 0;
                successes = _probeSuccessesSinceHalfOpen;
                close = _state == (int)CircuitState.HalfOpen && successes >= _requiredProbeSuccesses;
            }

            if (close)
            {
                Transition(CircuitState.HalfOpen, CircuitState.Closed, $"{successes} probes in a row succeeded while half-open");
            }

            return;
        }

        lock (_gate)
        {
            _probeSuccessesSinceOpen = healthy ? _probeSuccessesSinceOpen + 1 : 0;
        }

        Tick();
    }

    /// <summary>Moves Open -> HalfOpen when the break has passed and probes vouch for the destination.</summary>
    public void Tick()
    {
        if (_state != (int)CircuitState.Open)
        {
            return;
        }

        bool ready;
        lock (_gate)
        {
            ready = _state == (int)CircuitState.Open &&
                    _time.GetElapsedTime(_openedAt) >= _breakDuration &&
                    _probeSuccessesSinceOpen >= _requiredProbeSuccesses;
        }

        if (ready)
        {
            Transition(CircuitState.Open, CircuitState.HalfOpen, $"break over and {_requiredProbeSuccesses} probes in a row succeeded");
        }
    }

    /// <summary>Closes the breaker at once (an operator's or a reload's decision).</summary>
    public void Reset() => Transition((CircuitState)_state, CircuitState.Closed, "reset");

    private void Transition(CircuitState from, CircuitState to, string reason)
    {
        lock (_gate)
        {
            if (_state != (int)from || from == to)
            {
                return;
            }

            switch (to)
            {
                case CircuitState.Open:
                    // A failed trial, or a trip soon after the last recovery, doubles the break (capped);
                    // a trip after a long quiet closed period starts again from BreakDuration.
                    var repeated = from == CircuitState.HalfOpen ||
                                   (_closedAt != 0 && _time.GetElapsedTime(_closedAt) < _options.MaxBreakDuration);
                    _breakDuration = repeated
                        ? TimeSpan.FromTicks(Math.Min(_breakDuration.Ticks * 2, _options.MaxBreakDuration.Ticks))
                        : _options.BreakDuration;
                    _openedAt = _time.GetTimestamp();
                    _probeSuccessesSinceOpen = 0;
                    break;
                case CircuitState.HalfOpen:
                    Volatile.Write(ref _trialPermits, _options.HalfOpenTrials);
                    _probeSuccessesSinceHalfOpen = 0;
                    break;
                case CircuitState.Closed:
                    _closedAt = _time.GetTimestamp();
                    Volatile.Write(ref _consecutiveFailures, 0);
                    _window.Clear();
                    break;
            }

            _state = (int)to;
        }

        Observer?.OnBreakerChanged(from, to, reason);
    }
}

using NeuroPilot.Edge.Dns.Internal;

namespace NeuroPilot.Edge.Dns;

/// <summary>
/// When the DNS pusher runs a round; nothing else. A round is due every <c>Interval</c> (drift made by hand is
/// repaired), at once when the desired record sets change (a health snapshot, a hold time running out, a reload), and
/// on <see cref="RequestForce"/>; never before <see cref="NotBefore"/>, which a failed round pushes out by the provider's
/// <c>Retry-After</c> (one hour at most, <see cref="WaitLimits"/>) and by a capped, jittered backoff
/// (<see cref="Backoff"/>: ceilings 1 s, 2 s, 4 s... up to <c>Interval</c> or <see cref="MaxBackoff"/>). While a service
/// has no settled probe results yet (start-up hold-back) the loop looks again every <see cref="SettlePoll"/>.
/// The same backoff restarts the loop should it fault (<see cref="LoopFaulted"/>). Not thread-safe except
/// <see cref="RequestForce"/>: the reconciler's loop owns it.
/// </summary>
public sealed class DnsSchedule
{
    /// <summary>The backoff ceiling before the first retry.</summary>
    public static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);

    /// <summary>The largest backoff ceiling (or <c>Interval</c>, when shorter).</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(1);

    /// <summary>How often the loop looks again while a service waits for its first probe results.</summary>
    public static readonly TimeSpan SettlePoll = TimeSpan.FromMilliseconds(200);

    private readonly TimeProvider _time;
    private readonly Func<double> _random;
    private DateTimeOffset _nextRound = DateTimeOffset.MinValue;
    private DateTimeOffset _notBefore = DateTimeOffset.MinValue;
    private DateTimeOffset _roundStartedAt;
    private string? _pushedDesire;
    private int _failures;
    private int _loopFaults;
    private volatile bool _forceRequested;

    /// <param name="time">The clock.</param>
    /// <param name="random">Uniform in [0, 1), the jitter of backoffs; <see cref="Random.Shared"/> by default.</param>
    public DnsSchedule(TimeProvider time, Func<double>? random = null)
    {
        _time = time;
        _random = random ?? Random.Shared.NextDouble;
    }

    /// <summary>No round starts before this instant (a provider's Retry-After or a backoff); MinValue when free.</summary>
    public DateTimeOffset NotBefore => _notBefore;

    /// <summary>Failed rounds in a row.</summary>
    public int Failures => _failures;

    /// <summary>Loop faults in a row (reset by <see cref="TurnCompleted"/>).</summary>
    public int LoopFaults => _loopFaults;

    /// <summary>Asks for a round with the change cap lifted; a wait in progress is still honoured. Thread-safe.</summary>
    public void RequestForce() => _forceRequested = true;

    /// <summary>
    /// True when a round is due now for the desired sets <paramref name="desire"/> (see <see cref="DnsDesire.Key"/>);
    /// <paramref name="force"/> then says whether it is a forced one (the request is taken).
    /// </summary>
    public bool TryStartRound(string desire, out bool force)
    {
        var now = _time.GetUtcNow();
        force = false;
        if (now < _notBefore || (now < _nextRound && desire == _pushedDesire && !_forceRequested))
        {
            return false;
        }

        force = _forceRequested;
        _forceRequested = false;
        _roundStartedAt = now;
        return true;
    }

    /// <summary>The round reached the provider: the next one is due an interval after this one started, or on a change.</summary>
    public void Succeeded(string desire, TimeSpan interval)
    {
        _failures = 0;
        _pushedDesire = desire;
        _nextRound = _roundStartedAt + interval;
    }

    /// <summary>
    /// The round failed at <paramref name="failedAt"/>: waits out the provider's <paramref name="retryAfter"/> (capped)
    /// and a backoff, both counted from the failure; returns the new <see cref="NotBefore"/>.
    /// </summary>
    public DateTimeOffset Failed(DateTimeOffset failedAt, TimeSpan interval, TimeSpan? retryAfter)
    {
        if (retryAfter is { } wait)
        {
            _notBefore = Max(_notBefore, failedAt + WaitLimits.CapProviderWait(wait));
        }

        _failures++;
        var backoff = Backoff.Delay(_failures, FirstBackoff, interval < MaxBackoff ? interval : MaxBackoff, 0.5, _random());
        _notBefore = Max(_notBefore, failedAt + backoff);
        _nextRound = _notBefore;
        return _notBefore;
    }

    /// <summary>
    /// When the loop should look again at the latest: the next round, a held region change falling due
    /// (<paramref name="holdChange"/>), or soon while <paramref name="settling"/>; never before <see cref="NotBefore"/>
    /// except to look at settling services.
    /// </summary>
    public DateTimeOffset NextWake(DateTimeOffset? holdChange, bool settling)
    {
        var now = _time.GetUtcNow();
        var wake = Min(_nextRound, holdChange);
        if (_notBefore > now && wake < _notBefore)
        {
            wake = _notBefore;
        }

        return settling ? Min(now + SettlePoll, wake) : wake;
    }

    /// <summary>DNS is off (or the loop starts over): the next configured round runs at once, waits in progress aside.</summary>
    public void Reset()
    {
        _pushedDesire = null;
        _nextRound = DateTimeOffset.MinValue;
    }

    /// <summary>The loop faulted: how long to wait before restarting it.</summary>
    public TimeSpan LoopFaulted() => Backoff.Delay(++_loopFaults, FirstBackoff, MaxBackoff, 0.5, _random());

    /// <summary>A whole turn of the loop without a fault: the loop's backoff starts over.</summary>
    public void TurnCompleted() => _loopFaults = 0;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset? b) => b is { } value && value < a ? value : a;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}

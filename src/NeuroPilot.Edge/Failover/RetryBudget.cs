using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Failover.Internal;

namespace NeuroPilot.Edge.Failover;

/// <summary>
/// The retry budget of a service: over the last <c>Retry.BudgetWindow</c>, retries may be at most
/// <c>BudgetPercent</c> of requests, and <c>MinRetries</c> are always allowed. A burst of failures at the moment a
/// region dies is absorbed (a few hundred retries at 200 req/s), while a dead fleet costs at most a fifth more
/// upstream attempts: never a retry storm. Lock-free.
/// </summary>
public sealed class RetryBudget
{
    private readonly RetryOptions _options;
    private readonly TimeProvider _time;
    private readonly SlidingCounter _requests;
    private readonly SlidingCounter _retries;
    private int _retrying;

    public RetryBudget(RetryOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _requests = new SlidingCounter(options.BudgetWindow, time.TimestampFrequency);
        _retries = new SlidingCounter(options.BudgetWindow, time.TimestampFrequency);
    }

    /// <summary>Requests in a retry now (for status).</summary>
    public int ActiveRetries => Volatile.Read(ref _retrying);

    public void OnRequestStarted() => _requests.Increment(_time.GetTimestamp());

    public void OnRequestEnded(bool retried)
    {
        if (retried)
        {
            Interlocked.Decrement(ref _retrying);
        }
    }

    /// <summary>Whether a retry would fit the budget now (nothing is taken).</summary>
    public bool CanRetry()
    {
        var now = _time.GetTimestamp();
        return _retries.Sum(now) < Limit(now);
    }

    /// <summary>Counts a retry against the budget; false when the budget is spent.</summary>
    public bool TryRetry(bool firstRetryOfRequest)
    {
        var now = _time.GetTimestamp();
        if (_retries.Sum(now) >= Limit(now))
        {
            return false;
        }

        _retries.Increment(now);
        if (firstRetryOfRequest)
        {
            Interlocked.Increment(ref _retrying);
        }

        return true;
    }

    private int Limit(long now) => Math.Max(_options.MinRetries, (int)(_requests.Sum(now) * _options.BudgetPercent / 100));
}

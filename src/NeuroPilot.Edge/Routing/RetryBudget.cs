using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Routing;

/// <summary>
/// Envoy-style retry budget of a service: retry attempts in flight may be at most <c>BudgetPercent</c> of the
/// requests in flight, and <c>MinRetryConcurrency</c> are always allowed. When every region fails or hangs, retries
/// pile up and the budget caps them: a dead fleet never turns into a retry storm. (A retry that moves a request
/// off a destination health has already taken out, onto an available one, is failover and is not charged: see
/// <c>EdgeProxy</c>.) Lock-free.
/// </summary>
public sealed class RetryBudget(RetryOptions options)
{
    private int _active;
    private int _retrying;

    public int ActiveRequests => Volatile.Read(ref _active);

    /// <summary>Retry attempts in flight now.</summary>
    public int ActiveRetries => Volatile.Read(ref _retrying);

    public int Limit => Math.Max(options.MinRetryConcurrency, (int)(Volatile.Read(ref _active) * options.BudgetPercent / 100));

    public void OnRequestStarted() => Interlocked.Increment(ref _active);

    public void OnRequestEnded() => Interlocked.Decrement(ref _active);

    /// <summary>Whether a retry would fit the budget now (nothing is taken).</summary>
    public bool CanRetry() => Volatile.Read(ref _retrying) < Limit;

    /// <summary>Takes a retry slot for one retry attempt; false when the budget is spent. Give it back with <see cref="OnRetryEnded"/>.</summary>
    public bool TryStartRetry()
    {
        while (true)
        {
            var retrying = Volatile.Read(ref _retrying);
            if (retrying >= Limit)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _retrying, retrying + 1, retrying) == retrying)
            {
                return true;
            }
        }
    }

    public void OnRetryEnded() => Interlocked.Decrement(ref _retrying);
}

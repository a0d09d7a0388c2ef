namespace NeuroPilot.Edge.Configuration;

/// <summary>In-request retry on another destination (next in the region, then the next region).</summary>
public sealed class RetryOptions
{
    /// <summary>Attempts per request, the first included; 1 turns retries off.</summary>
    public int MaxAttempts { get; init; } = RetryDefaults.MaxAttempts;

    /// <summary>Bounds the wait for response headers of each attempt; null (default) leaves only <c>RequestTimeout</c>.</summary>
    public TimeSpan? PerTryTimeout { get; init; }

    /// <summary>Upstream status codes that are retried (before anything reached the client).</summary>
    public IReadOnlyList<int> RetryOnStatusCodes { get; init; } = RetryDefaults.RetryOnStatusCodes;

    /// <summary>Request bodies up to this size are buffered so they can be replayed; larger ones are never retried.</summary>
    public int BufferLimitBytes { get; init; } = RetryDefaults.BufferLimitBytes;

    /// <summary>Also replay POST and PATCH (only when the body is empty or buffered).</summary>
    public bool RetryNonIdempotent { get; init; }

    /// <summary>Retry budget (Envoy's budget_percent): retry attempts in flight may be at most this percentage of requests in flight.</summary>
    public double BudgetPercent { get; init; } = RetryDefaults.BudgetPercent;

    /// <summary>Retry attempts in flight always allowed, whatever the percentage says (Envoy's min_retry_concurrency).</summary>
    public int MinRetryConcurrency { get; init; } = RetryDefaults.MinRetryConcurrency;
}

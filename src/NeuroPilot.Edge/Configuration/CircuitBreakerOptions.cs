namespace NeuroPilot.Edge.Configuration;

/// <summary>Per-destination circuit breaker fed by every proxied attempt (passive health).</summary>
public sealed class CircuitBreakerOptions
{
    /// <summary>Consecutive failed attempts that open the breaker.</summary>
    public int ConsecutiveFailures { get; init; } = CircuitBreakerDefaults.ConsecutiveFailures;

    /// <summary>Failure share in the sampling window that opens the breaker (0-1), given <see cref="MinimumThroughput"/>.</summary>
    public double FailureRatio { get; init; } = CircuitBreakerDefaults.FailureRatio;

    public TimeSpan SamplingDuration { get; init; } = CircuitBreakerDefaults.SamplingDuration;

    /// <summary>Attempts needed in the window before the failure ratio counts.</summary>
    public int MinimumThroughput { get; init; } = CircuitBreakerDefaults.MinimumThroughput;

    /// <summary>First break duration; doubles on each trip that follows a failed recovery, up to <see cref="MaxBreakDuration"/>.</summary>
    public TimeSpan BreakDuration { get; init; } = CircuitBreakerDefaults.BreakDuration;

    public TimeSpan MaxBreakDuration { get; init; } = CircuitBreakerDefaults.MaxBreakDuration;

    /// <summary>Trial requests admitted while half-open.</summary>
    public int HalfOpenTrials { get; init; } = CircuitBreakerDefaults.HalfOpenTrials;

    /// <summary>Upstream status codes that count as failures (4xx never do).</summary>
    public IReadOnlyList<int> FailureStatusCodes { get; init; } = CircuitBreakerDefaults.FailureStatusCodes;

    /// <summary>
    /// A destination with requests waiting for response headers that has sent no headers at all for this long is
    /// treated as hung: the breaker opens. Zero turns stall detection off (long-polling services).
    /// </summary>
    public TimeSpan StallTimeout { get; init; } = CircuitBreakerDefaults.StallTimeout;

    /// <summary>Requests that must be waiting for headers before a stall counts.</summary>
    public int StallMinRequests { get; init; } = CircuitBreakerDefaults.StallMinRequests;
}

namespace NeuroPilot.Edge.LoadTests.Spike;

/// <summary>
/// The limits a spike drill writes into the edge's config (<c>Services.api.Limits</c> and <c>Edge.Limits</c>), from
/// its options; null leaves a key out (the edge's default). <see cref="Enabled"/> false (<c>--limits off</c>) writes
/// no Limits section at all, and removes any that <c>--config-extra</c> brought.
/// </summary>
internal sealed record SpikeLimits
{
    /// <summary>
    /// When <c>--limits on</c> is given no service limit at all. Little's law on a 2-core machine: the edge's capacity
    /// within p99 = 5 ms (2,000 req/s, README) times those 5 ms is 10 requests in flight; 16 leaves room for bursts.
    /// </summary>
    public const int DefaultMaxInFlight = 16;

    public bool Enabled { get; init; } = true;

    public int? MaxInFlight { get; init; }

    public int? MaxQueue { get; init; }

    public TimeSpan? QueueTimeout { get; init; }

    public long? MaxRequestBodySize { get; init; }

    /// <summary>Requests per client per <see cref="RateLimitPer"/> (<c>RateLimit.PerClient</c>).</summary>
    public int? RateLimitPerClient { get; init; }

    public TimeSpan? RateLimitPer { get; init; }

    public int? RateLimitBurst { get; init; }

    /// <summary><c>Edge.Limits.MaxConnections</c>.</summary>
    public int? MaxConnections { get; init; }

    /// <summary>Whether any service limit was given.</summary>
    public bool AnyServiceLimit =>
        MaxInFlight is not null || MaxQueue is not null || QueueTimeout is not null || MaxRequestBodySize is not null || RateLimitPerClient is not null;
}

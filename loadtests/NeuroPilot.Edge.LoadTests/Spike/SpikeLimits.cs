namespace NeuroPilot.Edge.LoadTests.Spike;

/// <summary>
/// The limits a spike drill writes into the edge's config (<c>Services.api.Limits</c> and <c>Edge.Limits</c>), from
/// its options; null leaves a key out (the edge's default). <see cref="Enabled"/> false (<c>--limits off</c>) writes
/// no Limits section at all, and removes any that <c>--config-extra</c> brought.
/// </summary>
internal sealed record SpikeLimits
{
    /// <summary>When <c>--limits on</c> is given no limit at all: a concurrency limit that sheds at ten times a core's worth of edge work.</summary>
    public const int DefaultMaxInFlight = 64;

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

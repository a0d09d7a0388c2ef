namespace NeuroPilot.Edge.Configuration;

/// <summary>
/// Per-service limits and load shedding (<c>Services.NAME.Limits</c>). Everything here is off unless written: a
/// shed request is answered at once by the edge (413, 429 or 503 with <c>Retry-After</c>), never forwarded and never
/// counted against an upstream's health.
/// </summary>
public sealed class LimitsOptions
{
    /// <summary>Largest request body in bytes (413 beyond it); null: no limit (bodies are streamed, not held).</summary>
    public long? MaxRequestBodySize { get; init; }

    /// <summary>Requests of this service being forwarded at once; null: no limit.</summary>
    public int? MaxInFlight { get; init; }

    /// <summary>Requests that may wait for a slot when <see cref="MaxInFlight"/> are busy (default a quarter of it); beyond it 503.</summary>
    public int MaxQueue { get; init; }

    /// <summary>How long a queued request waits for a slot before it gets 503.</summary>
    public TimeSpan QueueTimeout { get; init; } = LimitsDefaults.QueueTimeout;

    /// <summary>Per-client rate limit; null: none.</summary>
    public RateLimitOptions? RateLimit { get; init; }

    /// <summary>Whether any limit is set (a service without one takes the plain request path).</summary>
    public bool Any => MaxRequestBodySize is not null || MaxInFlight is not null || RateLimit is not null;
}

namespace NeuroPilot.Edge.LoadTests.Spike;

/// <summary>How a spike drill counts one request.</summary>
internal enum SpikeOutcome
{
    /// <summary>A 2xx response: goodput.</summary>
    Ok,

    /// <summary>429 with <c>Retry-After</c>: shed by the per-client rate limit.</summary>
    Shed429,

    /// <summary>503 with <c>Retry-After</c>: shed over capacity or after waiting in the queue.</summary>
    Shed503,

    /// <summary>Anything else: another status (a 503 without <c>Retry-After</c> included), a timeout, a connection error, never sent.</summary>
    Failed,
}

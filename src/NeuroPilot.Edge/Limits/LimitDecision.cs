namespace NeuroPilot.Edge.Limits;

/// <summary>What the limits of a service decided about one request.</summary>
public enum LimitDecision
{
    Admitted,

    /// <summary>The body is larger than <c>MaxRequestBodySize</c>: 413.</summary>
    BodyTooLarge,

    /// <summary>The client is over its rate: 429 with <c>Retry-After</c>.</summary>
    RateLimited,

    /// <summary>Every in-flight slot is busy and the queue is full: 503 with <c>Retry-After</c>.</summary>
    OverCapacity,

    /// <summary>Waited <c>QueueTimeout</c> for a slot: 503 with <c>Retry-After</c>.</summary>
    QueueTimeout,
}

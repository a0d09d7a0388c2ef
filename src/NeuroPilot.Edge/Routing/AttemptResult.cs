namespace NeuroPilot.Edge.Routing;

/// <summary>What one forwarding attempt came to, as the breaker and the retry logic see it.</summary>
public enum AttemptResult
{
    /// <summary>The upstream answered (any status that is not a configured failure).</summary>
    Success,

    /// <summary>The upstream answered with a configured failure status (502, 503, 504 by default).</summary>
    FailureStatus,

    /// <summary>No connection could be made (refused, unreachable, connect timeout).</summary>
    ConnectFailure,

    /// <summary>The connection broke before response headers (reset, closed, protocol error).</summary>
    Reset,

    /// <summary>No response headers within <c>Retry.PerTryTimeout</c>.</summary>
    PerTryTimeout,

    /// <summary>The upstream went silent for <c>RequestTimeout</c>.</summary>
    Timeout,

    /// <summary>The upstream failed after the response had started (body broke off).</summary>
    ResponseFailure,

    /// <summary>
    /// The upstream answered with a response that breaks HTTP (a 101 to a request that asked for no upgrade, a 204
    /// with a body): the client gets a 502 instead, and the upstream is charged for it.
    /// </summary>
    InvalidResponse,

    /// <summary>The client went away or sent a broken body: says nothing about the upstream.</summary>
    ClientFailure,

    /// <summary>
    /// The edge could not build the upstream request from what the client sent (a header the outgoing request
    /// cannot carry, a method it cannot forward): the client gets a 4xx/501, nothing was sent upstream, and no
    /// upstream is charged for it.
    /// </summary>
    RequestRejected,
}

namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>How one request of a <see cref="SteadyLoad"/> ended.</summary>
public enum LoadOutcome
{
    /// <summary>A 2xx response, body read to the end.</summary>
    Ok,

    /// <summary>A response with a status other than 2xx.</summary>
    HttpError,

    /// <summary>No connection could be opened (refused): the request never reached the server.</summary>
    Refused,

    /// <summary>The request was sent, or its connection open, and then failed: reset, truncated, timed out.</summary>
    FailedAfterSending,
}

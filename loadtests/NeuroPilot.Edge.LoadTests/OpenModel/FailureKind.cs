namespace NeuroPilot.Edge.LoadTests.OpenModel;

/// <summary>Why a request failed without a response.</summary>
internal enum FailureKind
{
    /// <summary>The connection could not be opened (refused, unreachable).</summary>
    Connect,

    /// <summary>The connection broke or the target answered something that is not HTTP/1.x.</summary>
    Transport,

    /// <summary>No response within the per-request timeout, counted from the intended start.</summary>
    Timeout,

    /// <summary>Still outstanding when the grace period after the last send ran out.</summary>
    Unfinished,

    /// <summary>Never sent: the run was stopped (or fell hopelessly behind) before its turn.</summary>
    Unsent,
}

namespace NeuroPilot.Edge.Http1;

/// <summary>What a head parser made of the bytes it was given.</summary>
public enum Http1ParseStatus
{
    /// <summary>The head is not complete yet: read more and call again with the same start (nothing is consumed).</summary>
    NeedMoreData,

    /// <summary>One head was parsed; <see cref="Http1ParseResult.Consumed"/> bytes belong to it, the rest is the body or the next message.</summary>
    Complete,

    /// <summary>A request the edge refuses: answer <see cref="Http1ParseResult.StatusCode"/> and close the connection.</summary>
    Refused,

    /// <summary>A malformed upstream response: the client gets a 502 and the upstream connection is never pooled again.</summary>
    Invalid,
}

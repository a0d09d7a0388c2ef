namespace NeuroPilot.Edge.Http1;

/// <summary>How a message's body is delimited (RFC 9112 §6.3).</summary>
public enum Http1BodyKind : byte
{
    /// <summary>No body: a request without Content-Length or Transfer-Encoding; a response to HEAD, a 1xx, 204 or 304.</summary>
    None,

    /// <summary>Exactly <c>ContentLength</c> bytes (zero included).</summary>
    ContentLength,

    /// <summary>The chunked transfer coding: read it with <see cref="Http1ChunkedDecoder"/>.</summary>
    Chunked,

    /// <summary>A response whose body runs until the upstream closes the connection; the connection is not reusable.</summary>
    CloseDelimited,
}

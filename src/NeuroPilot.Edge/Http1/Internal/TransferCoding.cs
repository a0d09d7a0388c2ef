namespace NeuroPilot.Edge.Http1.Internal;

/// <summary>What the Transfer-Encoding fields of a message say, read as one list over all of them (RFC 9112 §6.1).</summary>
internal enum TransferCoding : byte
{
    /// <summary>No Transfer-Encoding field.</summary>
    Absent,

    /// <summary>Exactly <c>chunked</c>.</summary>
    Chunked,

    /// <summary>Other codings, then <c>chunked</c> last (e.g. <c>gzip, chunked</c>).</summary>
    ChunkedAfterOthers,

    /// <summary>The list does not end in <c>chunked</c> (<c>chunked, identity</c>, <c>xchunked</c>, <c>chunked;x=1</c>).</summary>
    NotChunkedLast,

    /// <summary><c>chunked</c> more than once (RFC 9112 §7: a sender must not chunk twice).</summary>
    ChunkedTwice,

    /// <summary>Fields present, but not one coding in them.</summary>
    Empty,
}

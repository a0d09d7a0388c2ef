namespace NeuroPilot.Edge.Http1;

/// <summary>What one call to <see cref="Http1ChunkedDecoder.Decode"/> found.</summary>
public enum Http1ChunkedStatus
{
    /// <summary>Framing consumed so far (possibly none); read more and call again with what follows it.</summary>
    NeedMoreData,

    /// <summary>A range of chunk data (possibly part of a chunk) in the buffer.</summary>
    Data,

    /// <summary>A range holding one trailer field line with its CRLF; the line passed the field rules.</summary>
    Trailer,

    /// <summary>The last chunk, the trailers and the final CRLF are consumed: the body ended.</summary>
    Complete,

    /// <summary>Malformed chunked framing: refuse the request (400) or treat the response as invalid (502), and close.</summary>
    Invalid,
}

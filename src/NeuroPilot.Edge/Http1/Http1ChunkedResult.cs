namespace NeuroPilot.Edge.Http1;

/// <summary>
/// The outcome of one call to <see cref="Http1ChunkedDecoder.Decode"/>: advance the input by <see cref="Consumed"/>
/// bytes; for <see cref="Http1ChunkedStatus.Data"/> and <see cref="Http1ChunkedStatus.Trailer"/>, the bytes
/// <c>[Start, Start + Length)</c> of the buffer given (inside the consumed part) are the data or the trailer line.
/// Copying every consumed range verbatim forwards the body as received; copying the data ranges re-frames it.
/// </summary>
public readonly record struct Http1ChunkedResult(Http1ChunkedStatus Status, long Consumed, long Start, long Length, string? Reason)
{
    public static Http1ChunkedResult NeedMoreData(long consumed) => new(Http1ChunkedStatus.NeedMoreData, consumed, 0, 0, null);

    public static Http1ChunkedResult Data(long start, long length) => new(Http1ChunkedStatus.Data, start + length, start, length, null);

    public static Http1ChunkedResult Trailer(long start, long length) => new(Http1ChunkedStatus.Trailer, start + length, start, length, null);

    public static Http1ChunkedResult Complete(long consumed) => new(Http1ChunkedStatus.Complete, consumed, 0, 0, null);

    public static Http1ChunkedResult Invalid(string reason) => new(Http1ChunkedStatus.Invalid, 0, 0, 0, reason);
}

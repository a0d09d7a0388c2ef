namespace NeuroPilot.Edge.Http1;

/// <summary>
/// The outcome of one call to a head parser. <see cref="Reason"/> is a fixed literal (never built per call), for a
/// log line or a test; it is not meant for the client.
/// </summary>
public readonly record struct Http1ParseResult(Http1ParseStatus Status, long Consumed, int StatusCode, string? Reason)
{
    public static Http1ParseResult NeedMoreData => new(Http1ParseStatus.NeedMoreData, 0, 0, null);

    public static Http1ParseResult Complete(long consumed) => new(Http1ParseStatus.Complete, consumed, 0, null);

    public static Http1ParseResult Refused(int statusCode, string reason) => new(Http1ParseStatus.Refused, 0, statusCode, reason);

    public static Http1ParseResult Invalid(string reason) => new(Http1ParseStatus.Invalid, 0, 502, reason);
}

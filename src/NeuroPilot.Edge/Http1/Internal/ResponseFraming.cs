namespace NeuroPilot.Edge.Http1.Internal;

/// <summary>
/// The framing of an upstream response (RFC 9112 §6.3, in the RFC's order) and whether its connection may be reused.
/// Anything a smuggling or splitting attempt could hide behind is an error, never resolved.
/// </summary>
internal static class ResponseFraming
{
    public static string? Decide(Http1ResponseHead head, bool requestWasHead)
    {
        var fields = FieldSummary.Read(head);
        if (fields.Problem is { } problem)
        {
            return problem;
        }

        if (fields.ContentLengthCount > 1)
        {
            return "more than one Content-Length";
        }

        var http11 = head.VersionMinor == 1;
        if (fields.Coding != TransferCoding.Absent && CheckCodings(fields, http11) is { } codingProblem)
        {
            return codingProblem;
        }

        var status = head.StatusCode;
        var kind = (requestWasHead || status < 200 || status is 204 or 304) ? Http1BodyKind.None
            : fields.Coding == TransferCoding.NotChunkedLast ? Http1BodyKind.CloseDelimited
            : fields.Coding != TransferCoding.Absent ? Http1BodyKind.Chunked
            : fields.ContentLengthCount == 1 ? Http1BodyKind.ContentLength
            : Http1BodyKind.CloseDelimited;
        var keepAlive = !fields.ConnectionClose && (http11 || fields.ConnectionKeepAlive)
            && kind != Http1BodyKind.CloseDelimited && status != 101;
        head.SetFraming(kind, kind == Http1BodyKind.ContentLength ? fields.ContentLength : 0, keepAlive);
        return null;
    }

    /// <summary>
    /// §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing; with Content-Length it may be smuggling or splitting
    /// (§6.3 rule 3: "ought to be handled as an error"); chunked twice or an empty list is malformed.
    /// </summary>
    private static string? CheckCodings(in FieldSummary fields, bool http11)
    {
        if (!http11)
        {
            return "Transfer-Encoding in an HTTP/1.0 response";
        }

        if (fields.ContentLengthCount > 0)
        {
            return "both Transfer-Encoding and Content-Length";
        }

        return fields.Coding switch
        {
            TransferCoding.ChunkedTwice => "chunked applied more than once",
            TransferCoding.Empty => "an empty Transfer-Encoding",
            _ => null,
        };
    }
}

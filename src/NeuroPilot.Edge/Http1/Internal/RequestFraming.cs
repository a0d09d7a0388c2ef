namespace NeuroPilot.Edge.Http1.Internal;

/// <summary>
/// The decisions taken from a request's fields once they parse: the one Host, the body's framing (RFC 9112 §6),
/// <c>Expect</c>, keep-alive and upgrade. A refusal names the status to answer.
/// </summary>
internal static class RequestFraming
{
    public static Http1ParseResult? Decide(Http1RequestHead head)
    {
        var fields = FieldSummary.Read(head);
        if (fields.Problem is { } problem)
        {
            return Http1ParseResult.Refused(400, problem);
        }

        var http11 = head.VersionMinor == 1;
        if (DecideHost(head, fields, http11) is { } hostRefusal)
        {
            return hostRefusal;
        }

        if (DecideBody(fields, http11, out var kind) is { } bodyRefusal)
        {
            return bodyRefusal;
        }

        if (http11 && fields.ExpectOther)
        {
            return Http1ParseResult.Refused(417, "an expectation other than 100-continue");
        }

        // RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive". RFC 9110 §7.8 and
        // §10.1.1: Upgrade and Expect in an HTTP/1.0 request are ignored.
        var keepAlive = !fields.ConnectionClose && (http11 || fields.ConnectionKeepAlive);
        var upgrade = http11 && fields.HasUpgrade && fields.ConnectionUpgrade;
        head.SetFraming(kind, kind == Http1BodyKind.ContentLength ? fields.ContentLength : 0, keepAlive, http11 && fields.ExpectContinue, upgrade);
        return null;
    }

    /// <summary>RFC 9112 §3.2: exactly one Host in HTTP/1.1 (at most one in 1.0), with a valid value.</summary>
    private static Http1ParseResult? DecideHost(Http1RequestHead head, in FieldSummary fields, bool http11)
    {
        if (fields.HostCount > 1)
        {
            return Http1ParseResult.Refused(400, "more than one Host");
        }

        if (fields.HostCount == 0)
        {
            return http11 ? Http1ParseResult.Refused(400, "an HTTP/1.1 request without Host") : null;
        }

        var host = head.FieldAt(fields.HostIndex);
        if (!FieldSyntax.IsValidHost(head.Raw.Slice(host.ValueStart, host.ValueLength)))
        {
            return Http1ParseResult.Refused(400, "a Host that is not uri-host[:port]");
        }

        if (head.TargetForm != Http1TargetForm.Absolute)
        {
            head.SetHost(host.ValueStart, host.ValueLength); // absolute-form: the target's authority wins (§3.2.2)
        }

        return null;
    }

    /// <summary>RFC 9112 §6.1 and §6.3 for requests; every ambiguity is refused, none is resolved.</summary>
    private static Http1ParseResult? DecideBody(in FieldSummary fields, bool http11, out Http1BodyKind kind)
    {
        kind = Http1BodyKind.None;
        if (fields.Coding != TransferCoding.Absent)
        {
            if (!http11)
            {
                return Http1ParseResult.Refused(400, "Transfer-Encoding in an HTTP/1.0 request");
            }

            if (fields.ContentLengthCount > 0)
            {
                return Http1ParseResult.Refused(400, "both Transfer-Encoding and Content-Length");
            }

            kind = Http1BodyKind.Chunked;
            return fields.Coding switch
            {
                TransferCoding.Chunked => null,
                TransferCoding.ChunkedAfterOthers => Http1ParseResult.Refused(501, "a transfer coding other than chunked"),
                TransferCoding.ChunkedTwice => Http1ParseResult.Refused(400, "chunked applied more than once"),
                TransferCoding.Empty => Http1ParseResult.Refused(400, "an empty Transfer-Encoding"),
                _ => Http1ParseResult.Refused(400, "a Transfer-Encoding that does not end in chunked"),
            };
        }

        if (fields.ContentLengthCount > 1)
        {
            return Http1ParseResult.Refused(400, "more than one Content-Length");
        }

        kind = fields.ContentLengthCount == 1 ? Http1BodyKind.ContentLength : Http1BodyKind.None;
        return null;
    }
}

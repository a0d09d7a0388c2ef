using System.Buffers;
using NeuroPilot.Edge.Http1.Internal;

namespace NeuroPilot.Edge.Http1;

/// <summary>
/// A strict, incremental HTTP/1.1 response head parser for the upstream leg, one per upstream connection; the same
/// calling pattern and field rules as <see cref="Http1RequestParser"/>. A malformed response is
/// <see cref="Http1ParseStatus.Invalid"/>: the client gets a 502 and the connection is never pooled again. A
/// <see cref="Http1ResponseHead.IsInterim"/> head (1xx but 101) is followed by another head: parse again.
/// </summary>
public sealed class Http1ResponseParser(Http1ParserOptions? options = null)
{
    private readonly Http1ParserOptions _options = options ?? Http1ParserOptions.Default;
    private HeadScanner _scanner;

    /// <summary>Forgets a partly scanned head (call when the input no longer starts where it did).</summary>
    public void Reset() => _scanner.Reset();

    /// <param name="buffer">The unconsumed bytes read from the upstream.</param>
    /// <param name="head">Receives the head.</param>
    /// <param name="requestWasHead">The request was HEAD: the response has no body whatever its fields say (RFC 9112 §6.3).</param>
    public Http1ParseResult Parse(in ReadOnlySequence<byte> buffer, Http1ResponseHead head, bool requestWasHead)
    {
        var scan = _scanner.Scan(buffer, _options, isRequest: false, out var start, out var end);
        if (scan.Status == Http1ParseStatus.NeedMoreData)
        {
            return scan;
        }

        _scanner.Reset();
        if (scan.Status == Http1ParseStatus.Refused)
        {
            return Http1ParseResult.Invalid(scan.Reason!);
        }

        var raw = head.Load(buffer.Slice(start, end - start));
        var problem = ParseStatusLine(head, raw, out var fieldsStart) ?? head.ParseFields(fieldsStart) ?? ResponseFraming.Decide(head, requestWasHead);
        if (problem is not null)
        {
            head.Reset();
            return Http1ParseResult.Invalid(problem);
        }

        return Http1ParseResult.Complete(end);
    }

    /// <summary>
    /// <c>HTTP-version SP 3DIGIT SP reason-phrase</c> (RFC 9112 §4), status 100-599 (RFC 9110 §15). The SP before an
    /// empty reason-phrase may be missing: clients ignore the phrase and it does not touch framing.
    /// </summary>
    private static string? ParseStatusLine(Http1ResponseHead head, ReadOnlySpan<byte> raw, out int fieldsStart)
    {
        var lf = raw.IndexOf(FieldSyntax.Lf);
        fieldsStart = lf + 1;
        var line = raw[..(lf - 1)];
        if (line.Length < 12 || line[8] != FieldSyntax.Space)
        {
            return "a malformed status-line";
        }

        var minor = StartLine.ParseVersion(line[..8]);
        if (minor < 0)
        {
            return minor == StartLine.Unsupported ? "an HTTP version other than 1.0 and 1.1" : "a malformed HTTP-version";
        }

        if (line[9..12].ContainsAnyExcept(FieldSyntax.Digits) || !FieldSyntax.TryParseDecimal(line[9..12], out var status) || status is < 100 or > 599)
        {
            return "a status code that is not 100-599";
        }

        if (line.Length > 12 && (line[12] != FieldSyntax.Space || line[13..].ContainsAnyExcept(FieldSyntax.FieldValueChars)))
        {
            return "a malformed reason-phrase";
        }

        var reasonStart = Math.Min(13, line.Length);
        head.SetStatusLine(minor, (int)status, reasonStart, line.Length - reasonStart);
        return null;
    }
}

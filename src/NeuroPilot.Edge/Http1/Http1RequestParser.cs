using System.Buffers;
using NeuroPilot.Edge.Http1.Internal;

namespace NeuroPilot.Edge.Http1;

/// <summary>
/// A strict, incremental HTTP/1.1 request head parser (RFC 9112, RFC 9110), one per client connection. Call
/// <see cref="Parse"/> with the unconsumed bytes after each read: <see cref="Http1ParseStatus.NeedMoreData"/>
/// (consume nothing, read more, call again with the same start), <see cref="Http1ParseStatus.Complete"/> (exactly
/// one head was consumed; a body or a pipelined request may follow), or <see cref="Http1ParseStatus.Refused"/>
/// (answer the status and close). It never throws on any input, and allocates nothing once the head's buffer has
/// grown to the connection's usual head size. What is accepted and refused, and why: docs-proposed/http1-parsing.md.
/// </summary>
public sealed class Http1RequestParser(Http1ParserOptions? options = null)
{
    private readonly Http1ParserOptions _options = options ?? Http1ParserOptions.Default;
    private HeadScanner _scanner;

    /// <summary>Forgets a partly scanned head (call when the input no longer starts where it did).</summary>
    public void Reset() => _scanner.Reset();

    public Http1ParseResult Parse(in ReadOnlySequence<byte> buffer, Http1RequestHead head)
    {
        var scan = _scanner.Scan(buffer, _options, isRequest: true, out var start, out var end);
        if (scan.Status == Http1ParseStatus.NeedMoreData)
        {
            return scan;
        }

        _scanner.Reset();
        if (scan.Status == Http1ParseStatus.Refused)
        {
            return scan;
        }

        var raw = head.Load(buffer.Slice(start, end - start));
        var refused = ParseRequestLine(head, raw, out var fieldsStart);
        if (refused is null && head.ParseFields(fieldsStart) is { } fieldProblem)
        {
            refused = Http1ParseResult.Refused(400, fieldProblem);
        }

        refused ??= RequestFraming.Decide(head);
        if (refused is { } result)
        {
            head.Reset();
            return result;
        }

        return Http1ParseResult.Complete(end);
    }

    /// <summary><c>method SP request-target SP HTTP-version</c> (RFC 9112 §3), one SP each, nothing else.</summary>
    private static Http1ParseResult? ParseRequestLine(Http1RequestHead head, ReadOnlySpan<byte> raw, out int fieldsStart)
    {
        var lf = raw.IndexOf(FieldSyntax.Lf);
        fieldsStart = lf + 1;
        var line = raw[..(lf - 1)];
        var methodLength = line.IndexOf(FieldSyntax.Space);
        if (methodLength <= 0 || !FieldSyntax.IsToken(line[..methodLength]))
        {
            return Http1ParseResult.Refused(400, "a method that is not a token");
        }

        var rest = line[(methodLength + 1)..];
        var targetLength = rest.IndexOf(FieldSyntax.Space);
        if (targetLength <= 0)
        {
            return Http1ParseResult.Refused(400, "no request-target, or not one SP on each side of it");
        }

        var target = rest[..targetLength];
        if (target.ContainsAnyExcept(FieldSyntax.TargetChars))
        {
            return Http1ParseResult.Refused(400, "a request-target with a control, non-ASCII or whitespace byte");
        }

        var minor = StartLine.ParseVersion(rest[(targetLength + 1)..]);
        if (minor < 0)
        {
            return minor == StartLine.Unsupported
                ? Http1ParseResult.Refused(505, "an HTTP version other than 1.0 and 1.1")
                : Http1ParseResult.Refused(400, "a malformed HTTP-version");
        }

        var method = KnownHeaders.ClassifyMethod(line[..methodLength]);
        if (method == Http1Method.Connect)
        {
            return Http1ParseResult.Refused(405, "CONNECT (authority-form) is not served");
        }

        var targetStart = methodLength + 1;
        var form = ClassifyTarget(method, target, targetStart, head);
        if (form is null)
        {
            return Http1ParseResult.Refused(400, "a request-target in no accepted form");
        }

        head.SetRequestLine(method, methodLength, targetStart, targetLength, form.Value, minor);
        return null;
    }

    /// <summary>
    /// Origin-form (<c>/...</c>), asterisk-form (<c>*</c>, OPTIONS only) or absolute-form with an http or https
    /// scheme and a valid, non-empty authority without userinfo, which becomes the request's host (RFC 9112 §3.2.2).
    /// </summary>
    private static Http1TargetForm? ClassifyTarget(Http1Method method, ReadOnlySpan<byte> target, int targetStart, Http1RequestHead head)
    {
        if (target[0] == (byte)'/')
        {
            return Http1TargetForm.Origin;
        }

        if (target.Length == 1 && target[0] == (byte)'*')
        {
            return method == Http1Method.Options ? Http1TargetForm.Asterisk : null;
        }

        var schemeLength = target.IndexOf("://"u8);
        if (schemeLength < 0)
        {
            return null;
        }

        var scheme = target[..schemeLength];
        if (!FieldSyntax.EqualsIgnoreCase(scheme, "http"u8) && !FieldSyntax.EqualsIgnoreCase(scheme, "https"u8))
        {
            return null;
        }

        var authority = target[(schemeLength + 3)..];
        var authorityLength = authority.IndexOfAny((byte)'/', (byte)'?');
        authority = authorityLength < 0 ? authority : authority[..authorityLength];
        if (authority.IsEmpty || !FieldSyntax.IsValidHost(authority))
        {
            return null;
        }

        head.SetHost(targetStart + schemeLength + 3, authority.Length);
        return Http1TargetForm.Absolute;
    }
}

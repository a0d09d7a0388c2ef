using System.Buffers;
using System.Collections.Frozen;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using NeuroPilot.Edge.ClientIdentity;

namespace NeuroPilot.Edge.Forwarding.Internal;

/// <summary>
/// Writes the upstream request head of the fast engine straight into the connection's pipe, with the rules of the
/// YARP path so that an upstream cannot tell the engines apart: the path percent-encoded as YARP encodes it, the
/// destination's own <c>Host</c> (the client's with <c>PreserveHost</c>), hop-by-hop fields and the fields the client's
/// <c>Connection</c> names dropped, the identity fields of <see cref="ForwardedIdentity"/>, and the body framed by
/// the edge (<c>Content-Length</c> as the client declared it, else chunked; <c>Content-Length: 0</c> for a POST, PUT
/// or PATCH without a body, as HttpClient does).
/// </summary>
internal static class RequestHeadWriter
{
    private const byte Hop = 1;
    private const byte Identity = 2;
    private const byte TrustedIdentity = 3;

    private static readonly SearchValues<char> PathChars =
        SearchValues.Create("!$&'()*+,-./0123456789:;=@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~");

    /// <summary>Fields the edge never copies (hop-by-hop as YARP's list, the ones it writes itself) and the identity fields.</summary>
    private static readonly FrozenDictionary<string, byte> Skipped = BuildSkipped();

    private static ReadOnlySpan<byte> Http11 => " HTTP/1.1\r\n"u8;

    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    /// <summary>Writes the head; returns how the body follows it.</summary>
    public static RequestFraming Write(PipeWriter output, HttpContext context, byte[] destinationHost, bool preserveHost, ClientAddress client)
    {
        var request = context.Request;
        var head = new HeadBuffer(output);
        head.Text(request.Method);
        head.Byte((byte)' ');
        WriteTarget(ref head, request.Path.Value, request.QueryString.Value);
        head.Bytes(Http11);
        if (preserveHost && request.Host.HasValue)
        {
            head.Field("Host", request.Host.Value);
        }
        else
        {
            head.Bytes(destinationHost);
        }

        var nominated = request.Headers.Connection.Count == 0 ? null : Nominated(request.Headers.Connection);
        foreach (var (name, values) in request.Headers)
        {
            if (IsSkipped(name, client.FromTrustedProxy) || (nominated is not null && nominated.Contains(name)))
            {
                continue;
            }

            head.Field(name, values, name.Equals("Cookie", StringComparison.OrdinalIgnoreCase) ? "; " : ", ");
        }

        var identity = ForwardedIdentity.Of(context, client);
        head.FieldIfSet(ForwardedIdentity.ForwardedFor, identity.ForwardedFor);
        head.FieldIfSet(ForwardedIdentity.ForwardedProto, identity.Proto);
        head.FieldIfSet(ForwardedIdentity.ForwardedHost, identity.Host);
        head.FieldIfSet(ForwardedIdentity.RealIp, identity.RealIp);
        var framing = Framing(context);
        switch (framing)
        {
            case RequestFraming.ContentLength:
                head.Bytes("Content-Length: "u8);
                head.Number(request.ContentLength!.Value);
                head.Bytes(Crlf);
                break;
            case RequestFraming.Chunked:
                head.Bytes("Transfer-Encoding: chunked\r\n"u8);
                break;
            case RequestFraming.None when HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method):
                head.Bytes("Content-Length: 0\r\n"u8);
                break;
        }

        head.Bytes(Crlf);
        head.Commit();
        return framing;
    }

    /// <summary>Whether the request head written for this request carries a body, and how it is framed.</summary>
    public static RequestFraming Framing(HttpContext context)
    {
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>() is not { CanHaveBody: true })
        {
            return RequestFraming.None;
        }

        return context.Request.ContentLength is not null ? RequestFraming.ContentLength : RequestFraming.Chunked;
    }

    /// <summary>A hop-by-hop field by YARP's list (or one the engine writes itself: <c>Host</c>, <c>Content-Length</c>).</summary>
    public static bool IsHopByHop(string name) => Skipped.TryGetValue(name, out var kind) && kind == Hop;

    private static bool IsSkipped(string name, bool fromTrustedProxy) =>
        Skipped.TryGetValue(name, out var kind) && (kind == Hop || kind == TrustedIdentity || !fromTrustedProxy);

    /// <summary>The path as YARP encodes it (characters outside <see cref="PathChars"/> as UTF-8 percent escapes; '/' for none), then the query as received.</summary>
    private static void WriteTarget(ref HeadBuffer head, string? path, string? query)
    {
        if (string.IsNullOrEmpty(path))
        {
            head.Byte((byte)'/');
        }
        else
        {
            var rest = path.AsSpan();
            Span<byte> utf8 = stackalloc byte[4];
            while (!rest.IsEmpty)
            {
                var bad = rest.IndexOfAnyExcept(PathChars);
                if (bad < 0)
                {
                    head.Text(rest);
                    break;
                }

                head.Text(rest[..bad]);
                rest = rest[bad..];
                var length = Rune.DecodeFromUtf16(rest, out var rune, out var consumed) == OperationStatus.Done ? consumed : 1;
                if (length == 1 && char.IsSurrogate(rest[0]))
                {
                    rune = Rune.ReplacementChar;
                }

                var written = rune.EncodeToUtf8(utf8);
                foreach (var b in utf8[..written])
                {
                    head.Escaped(b);
                }

                rest = rest[length..];
            }
        }

        if (!string.IsNullOrEmpty(query))
        {
            head.Text(query);
        }
    }

    /// <summary>The header names the client's <c>Connection</c> field nominates (framing fields excepted: a body is never re-framed on a client's say-so).</summary>
    private static HashSet<string>? Nominated(StringValues connection)
    {
        HashSet<string>? names = null;
        foreach (var value in connection)
        {
            if (value is null)
            {
                continue;
            }

            foreach (var range in value.AsSpan().Split(','))
            {
                var token = value.AsSpan()[range].Trim();
                if (ForwardedIdentity.IsConnectionOption(token) || token.Equals("content-length", StringComparison.OrdinalIgnoreCase) ||
                    token.Equals("transfer-encoding", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                (names ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase)).Add(token.ToString());
            }
        }

        return names;
    }

    private static FrozenDictionary<string, byte> BuildSkipped()
    {
        var skipped = new Dictionary<string, byte>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in ForwardedIdentity.IdentityHeaders)
        {
            skipped[name] = Identity;
        }

        skipped[ForwardedIdentity.ForwardedFor] = TrustedIdentity;
        skipped[ForwardedIdentity.RealIp] = TrustedIdentity;

        // YARP's hop-by-hop list (RequestUtilities), and what the engine writes itself.
        string[] hop =
        [
            "Connection", "Transfer-Encoding", "Keep-Alive", "Upgrade", "Proxy-Connection", "Proxy-Authenticate",
            "Proxy-Authentication-Info", "Proxy-Authorization", "Proxy-Features", "Proxy-Instruction", "Security-Scheme",
            "ALPN", "Close", "HTTP2-Settings", "Upgrade-Insecure-Requests", "TE", "Alt-Svc", "Host", "Content-Length",
        ];
        foreach (var name in hop)
        {
            skipped[name] = Hop;
        }

        return skipped.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>A head written into the pipe's memory in large spans (one <c>GetSpan</c> per 4 KiB, not per piece).</summary>
    private ref struct HeadBuffer(PipeWriter output)
    {
        private const int Chunk = 4096;
        private Span<byte> _span = output.GetSpan(Chunk);
        private int _used;

        public void Commit()
        {
            output.Advance(_used);
            _used = 0;
            _span = default;
        }

        public void Byte(byte value)
        {
            Ensure(1);
            _span[_used++] = value;
        }

        public void Bytes(ReadOnlySpan<byte> bytes)
        {
            Ensure(bytes.Length);
            bytes.CopyTo(_span[_used..]);
            _used += bytes.Length;
        }

        /// <summary>
        /// Text as the client sent it (fields are checked by Kestrel: no CR, LF or NUL reach here): ASCII byte for
        /// byte; anything else as UTF-8, the encoding Kestrel decoded the client's field values with (a value it
        /// cannot decode so is refused with a 400), so the upstream gets the client's own bytes.
        /// </summary>
        public void Text(ReadOnlySpan<char> text)
        {
            if (Ascii.IsValid(text))
            {
                Ensure(text.Length);
                _used += Encoding.Latin1.GetBytes(text, _span[_used..]);
                return;
            }

            Ensure(Encoding.UTF8.GetByteCount(text));
            _used += Encoding.UTF8.GetBytes(text, _span[_used..]);
        }

        public void Escaped(byte value)
        {
            Ensure(3);
            _span[_used++] = (byte)'%';
            _span[_used++] = (byte)"0123456789ABCDEF"[value >> 4];
            _span[_used++] = (byte)"0123456789ABCDEF"[value & 0xF];
        }

        public void Number(long value)
        {
            Ensure(20);
            value.TryFormat(_span[_used..], out var written, default, CultureInfo.InvariantCulture);
            _used += written;
        }

        public void Field(string name, string value)
        {
            Text(name);
            Bytes(": "u8);
            Text(value);
            Bytes(Crlf);
        }

        public void FieldIfSet(string name, string? value)
        {
            if (value is not null)
            {
                Field(name, value);
            }
        }

        public void Field(string name, StringValues values, string separator)
        {
            Text(name);
            Bytes(": "u8);
            for (var i = 0; i < values.Count; i++)
            {
                if (i > 0)
                {
                    Text(separator);
                }

                Text(values[i]);
            }

            Bytes(Crlf);
        }

        private void Ensure(int length)
        {
            if (_span.Length - _used >= length)
            {
                return;
            }

            output.Advance(_used);
            _used = 0;
            _span = output.GetSpan(Math.Max(length, Chunk));
        }
    }
}

/// <summary>How the body of an upstream request follows its head.</summary>
internal enum RequestFraming
{
    None,
    ContentLength,
    Chunked,
}

using System.Buffers.Text;
using System.Text;

namespace NeuroPilot.Edge.LoadTests.Http.Internal;

/// <summary>
/// An incremental HTTP/1.1 response parser that keeps only what the harness needs (status code, whether the
/// connection stays open) and skips the body: Content-Length, chunked, read-until-close, 1xx interim responses,
/// and the no-body cases (HEAD, 204, 304). It never allocates.
/// </summary>
internal sealed class Http1ResponseParser
{
    private const int MaxHeaderLineLength = 8 * 1024;

    private State _state;
    private long _remaining;
    private long _contentLength;
    private bool _chunked;
    private bool _headRequest;
    private bool _http10;
    private bool _connectionClose;
    private bool _connectionKeepAlive;
    private byte[]? _tagHeader;
    private byte[][] _tagValues = [];

    private enum State
    {
        StatusLine,
        Headers,
        FixedBody,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailers,
        UntilClose,
        Complete,
    }

    /// <summary>The final status code of the response (1xx interim responses are skipped).</summary>
    public int StatusCode { get; private set; }

    /// <summary>Whether the connection can carry another request after this response.</summary>
    public bool KeepAlive { get; private set; }

    /// <summary>Whether any byte of the response has been seen.</summary>
    public bool SawAnyByte { get; private set; }

    /// <summary>
    /// Which of the configured tag values the tag header carried: 1 + its index, 0 when the header was absent,
    /// -1 when it had another value (see <see cref="ConfigureTag"/>).
    /// </summary>
    public int Tag { get; private set; }

    /// <summary>
    /// Makes the parser note the value of one response header (a drill's <c>X-Upstream-Region</c>) as the index of
    /// one of <paramref name="values"/> (compared ASCII case-insensitively), without allocating per response.
    /// </summary>
    public void ConfigureTag(string header, IReadOnlyList<string> values)
    {
        _tagHeader = Encoding.ASCII.GetBytes(header);
        _tagValues = [.. values.Select(Encoding.ASCII.GetBytes)];
    }

    public void Reset(bool headRequest)
    {
        _state = State.StatusLine;
        _remaining = 0;
        _headRequest = headRequest;
        StatusCode = 0;
        KeepAlive = false;
        SawAnyByte = false;
        ResetHeaders();
    }

    /// <summary>
    /// Consumes as much of <paramref name="data"/> as it can. Returns true once the response is complete.
    /// Bytes of an incomplete line are left unconsumed: the caller keeps them and calls again with more data.
    /// </summary>
    /// <exception cref="Http1ProtocolException">The response is not valid HTTP/1.x.</exception>
    public bool TryParse(ReadOnlySpan<byte> data, out int consumed)
    {
        consumed = 0;
        if (data.Length > 0)
        {
            SawAnyByte = true;
        }

        while (true)
        {
            var rest = data[consumed..];
            switch (_state)
            {
                case State.Complete:
                    return true;

                case State.FixedBody:
                case State.ChunkData:
                    {
                        var take = (int)Math.Min(_remaining, rest.Length);
                        consumed += take;
                        _remaining -= take;
                        if (_remaining > 0)
                        {
                            return false;
                        }

                        _state = _state == State.FixedBody ? State.Complete : State.ChunkDataEnd;
                        continue;
                    }

                case State.UntilClose:
                    consumed = data.Length;
                    return false;

                default:
                    {
                        var newline = rest.IndexOf((byte)'\n');
                        if (newline < 0)
                        {
                            if (rest.Length > MaxHeaderLineLength)
                            {
                                throw new Http1ProtocolException("a response line is longer than 8 KiB");
                            }

                            return false;
                        }

                        var line = rest[..newline];
                        if (line.Length > 0 && line[^1] == (byte)'\r')
                        {
                            line = line[..^1];
                        }

                        consumed += newline + 1;
                        OnLine(line);
                        continue;
                    }
            }
        }
    }

    /// <summary>Called when the peer closed the connection: true when that ends the response normally.</summary>
    public bool CompleteAtEndOfStream()
    {
        if (_state == State.UntilClose)
        {
            _state = State.Complete;
            KeepAlive = false;
            return true;
        }

        return _state == State.Complete;
    }

    private void OnLine(ReadOnlySpan<byte> line)
    {
        switch (_state)
        {
            case State.StatusLine:
                ParseStatusLine(line);
                _state = State.Headers;
                break;
            case State.Headers:
                if (line.IsEmpty)
                {
                    OnHeadersComplete();
                }
                else
                {
                    ParseHeader(line);
                }

                break;
            case State.ChunkSize:
                _remaining = ParseChunkSize(line);
                _state = _remaining == 0 ? State.Trailers : State.ChunkData;
                break;
            case State.ChunkDataEnd:
                if (!line.IsEmpty)
                {
                    throw new Http1ProtocolException("chunk data is not followed by CRLF");
                }

                _state = State.ChunkSize;
                break;
            case State.Trailers:
                if (line.IsEmpty)
                {
                    _state = State.Complete;
                }

                break;
            default:
                throw new InvalidOperationException($"no line expected in state {_state}");
        }
    }

    private void ParseStatusLine(ReadOnlySpan<byte> line)
    {
        // HTTP/1.1 200 OK
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || line[8] != (byte)' ' ||
            !Utf8Parser.TryParse(line.Slice(9, 3), out int status, out var used) || used != 3 || status < 100 ||
            (line.Length > 12 && line[12] != (byte)' '))
        {
            throw new Http1ProtocolException($"bad status line \"{Printable(line)}\"");
        }

        _http10 = line[7] == (byte)'0';
        StatusCode = status;
    }

    private void ParseHeader(ReadOnlySpan<byte> line)
    {
        var colon = line.IndexOf((byte)':');
        if (colon <= 0)
        {
            throw new Http1ProtocolException($"bad header line \"{Printable(line)}\"");
        }

        var name = line[..colon];
        var value = line[(colon + 1)..].Trim((byte)' ').Trim((byte)'\t');
        if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
        {
            if (!Utf8Parser.TryParse(value, out long length, out var used) || used != value.Length || length < 0)
            {
                throw new Http1ProtocolException($"bad Content-Length \"{Printable(value)}\"");
            }

            _contentLength = length;
        }
        else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
        {
            _chunked = EndsWithToken(value, "chunked"u8);
        }
        else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
        {
            _connectionClose |= ContainsToken(value, "close"u8);
            _connectionKeepAlive |= ContainsToken(value, "keep-alive"u8);
        }
        else if (_tagHeader is not null && Ascii.EqualsIgnoreCase(name, _tagHeader))
        {
            Tag = -1;
            for (var i = 0; i < _tagValues.Length; i++)
            {
                if (Ascii.EqualsIgnoreCase(value, _tagValues[i]))
                {
                    Tag = i + 1;
                    break;
                }
            }
        }
    }

    private void OnHeadersComplete()
    {
        if (StatusCode is >= 100 and < 200 && StatusCode != 101)
        {
            // An interim response (100 Continue, 103 Early Hints): the final one follows.
            ResetHeaders();
            _state = State.StatusLine;
            return;
        }

        KeepAlive = !_connectionClose && (!_http10 || _connectionKeepAlive);
        if (_headRequest || StatusCode is 204 or 304 || StatusCode is >= 100 and < 200)
        {
            _state = State.Complete;
        }
        else if (_chunked)
        {
            _state = State.ChunkSize;
        }
        else if (_contentLength >= 0)
        {
            _remaining = _contentLength;
            _state = _contentLength == 0 ? State.Complete : State.FixedBody;
        }
        else
        {
            KeepAlive = false;
            _state = State.UntilClose;
        }
    }

    private void ResetHeaders()
    {
        Tag = 0;
        _contentLength = -1;
        _chunked = false;
        _http10 = false;
        _connectionClose = false;
        _connectionKeepAlive = false;
    }

    private static long ParseChunkSize(ReadOnlySpan<byte> line)
    {
        var semicolon = line.IndexOf((byte)';');
        var digits = (semicolon >= 0 ? line[..semicolon] : line).Trim((byte)' ');
        if (digits.IsEmpty || digits.Length > 15 || !Utf8Parser.TryParse(digits, out long size, out var used, 'X') ||
            used != digits.Length)
        {
            throw new Http1ProtocolException($"bad chunk size \"{Printable(line)}\"");
        }

        return size;
    }

    private static bool ContainsToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        foreach (var range in value.Split((byte)','))
        {
            if (Ascii.EqualsIgnoreCase(value[range].Trim((byte)' '), token))
            {
                return true;
            }
        }

        return false;
    }

    private static bool EndsWithToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        var lastComma = value.LastIndexOf((byte)',');
        var last = (lastComma >= 0 ? value[(lastComma + 1)..] : value).Trim((byte)' ');
        return Ascii.EqualsIgnoreCase(last, token);
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = Encoding.ASCII.GetString(bytes.Length > 80 ? bytes[..80] : bytes);
        return text.ReplaceLineEndings(" ");
    }
}

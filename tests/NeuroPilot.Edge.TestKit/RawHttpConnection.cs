using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>
/// One HTTP/1.1 connection driven byte by byte, for what <see cref="HttpClient"/> will not do: send exactly the
/// headers a test wants (hop-by-hop ones included), and read the response while the request body is still being
/// sent (HttpClient's HTTP/1.1 sends the whole body before it reads the response).
/// </summary>
public sealed class RawHttpConnection : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RawHttpConnection(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawHttpConnection> ConnectAsync(Uri url)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(url.Host, url.Port);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }

        return new RawHttpConnection(tcp);
    }

    /// <summary>Writes a request line and headers; each header line is given as <c>Name: value</c>.</summary>
    public Task WriteHeadAsync(string method, string target, params string[] headers)
    {
        var head = new StringBuilder();
        head.Append(CultureInfo.InvariantCulture, $"{method} {target} HTTP/1.1\r\n");
        foreach (var header in headers)
        {
            head.Append(header).Append("\r\n");
        }

        head.Append("\r\n");
        return WriteAsync(Encoding.ASCII.GetBytes(head.ToString()));
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Writes one chunk of a <c>Transfer-Encoding: chunked</c> body.</summary>
    public async Task WriteChunkAsync(ReadOnlyMemory<byte> data)
    {
        await _stream.WriteAsync(Encoding.ASCII.GetBytes($"{data.Length:x}\r\n"));
        await _stream.WriteAsync(data);
        await _stream.WriteAsync("\r\n"u8.ToArray());
        await _stream.FlushAsync();
    }

    /// <summary>Ends a chunked body.</summary>
    public Task WriteLastChunkAsync() => WriteAsync("0\r\n\r\n"u8.ToArray());

    public async Task<RawHttpResponseHead> ReadResponseHeadAsync()
    {
        var statusLine = await ReadLineAsync() ?? throw new IOException("the connection closed before a response");
        var parts = statusLine.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/", StringComparison.Ordinal))
        {
            throw new IOException($"not an HTTP status line: \"{statusLine}\"");
        }

        var headers = new List<KeyValuePair<string, string>>();
        while (await ReadLineAsync() is { Length: > 0 } line)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }

        return new RawHttpResponseHead(int.Parse(parts[1], CultureInfo.InvariantCulture), headers);
    }

    /// <summary>The next chunk of a chunked response body; null after the last chunk.</summary>
    public async Task<byte[]?> ReadChunkAsync()
    {
        var sizeLine = await ReadLineAsync() ?? throw new IOException("the connection closed inside a chunked body");
        var size = int.Parse(sizeLine.Split(';')[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        if (size == 0)
        {
            while (await ReadLineAsync() is { Length: > 0 })
            {
                // Trailers.
            }

            return null;
        }

        var chunk = await ReadExactlyAsync(size);
        await ReadLineAsync();
        return chunk;
    }

    /// <summary>Reads the whole body of a response: chunked, with a Content-Length, or up to the end of the connection.</summary>
    public async Task<byte[]> ReadBodyAsync(RawHttpResponseHead head)
    {
        if (head.IsChunked)
        {
            using var body = new MemoryStream();
            while (await ReadChunkAsync() is { } chunk)
            {
                body.Write(chunk);
            }

            return body.ToArray();
        }

        if (head.Header("Content-Length") is { } length)
        {
            return await ReadExactlyAsync(int.Parse(length, CultureInfo.InvariantCulture));
        }

        using var rest = new MemoryStream();
        rest.Write(_buffer, _start, _end - _start);
        _start = _end;
        while (await FillAsync())
        {
            rest.Write(_buffer, 0, _end);
            _start = _end;
        }

        return rest.ToArray();
    }

    /// <summary>
    /// Reads (and discards) until the server closes the connection, gracefully or with a reset; returns how many
    /// bytes came meanwhile. Bound it with <c>WaitAsync</c>: a connection the server keeps open never ends it.
    /// </summary>
    public async Task<long> ReadUntilClosedAsync()
    {
        long count = _end - _start;
        _start = _end;
        try
        {
            while (await FillAsync())
            {
                count += _end;
                _start = _end;
            }
        }
        catch (IOException)
        {
            // A reset: the server closed the connection with unread data in its receive buffer.
        }

        return count;
    }

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }

    private async Task<string?> ReadLineAsync()
    {
        var line = new StringBuilder();
        while (true)
        {
            if (_start == _end && !await FillAsync())
            {
                return line.Length == 0 ? null : line.ToString();
            }

            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            var stop = newline < 0 ? _end : newline;
            line.Append(Encoding.ASCII.GetString(_buffer, _start, stop - _start));
            if (newline >= 0)
            {
                _start = newline + 1;
                return line.ToString().TrimEnd('\r');
            }

            _start = _end;
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count)
    {
        var result = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            if (_start == _end && !await FillAsync())
            {
                throw new IOException($"the connection closed after {filled} of {count} bytes");
            }

            var take = Math.Min(count - filled, _end - _start);
            Array.Copy(_buffer, _start, result, filled, take);
            _start += take;
            filled += take;
        }

        return result;
    }

    private async Task<bool> FillAsync()
    {
        _start = _end = 0;
        _end = await _stream.ReadAsync(_buffer);
        return _end > 0;
    }
}

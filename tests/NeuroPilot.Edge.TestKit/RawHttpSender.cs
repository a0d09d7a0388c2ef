using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>
/// Sends exactly the bytes a test gives (malformed requests, several requests in one write, a header a byte at a
/// time) over one new TCP connection and reads everything the server answers until it closes the connection, or
/// until it has been quiet for a while after a complete response. Nothing is fixed up: no Host, no framing, no
/// line endings added.
/// </summary>
public static class RawHttpSender
{
    /// <summary>How long to wait for more after a complete response while the connection stays open.</summary>
    public static readonly TimeSpan DefaultSettle = TimeSpan.FromMilliseconds(300);

    /// <summary>How long to wait for a first complete response (or the end of the connection).</summary>
    public static readonly TimeSpan DefaultResponseDeadline = TimeSpan.FromSeconds(5);

    /// <summary>Writes <paramref name="request"/> in one write and reads the answer.</summary>
    public static async Task<RawHttpExchange> SendAsync(
        Uri server,
        ReadOnlyMemory<byte> request,
        TimeSpan? responseDeadline = null,
        TimeSpan? settle = null)
    {
        using var tcp = await ConnectAsync(server);
        var stream = tcp.GetStream();
        var started = Stopwatch.GetTimestamp();
        var writeFailed = false;
        try
        {
            await stream.WriteAsync(request);
        }
        catch (IOException)
        {
            // The server may close while a large payload is still being written (a limit was hit): read its answer.
            writeFailed = true;
        }

        var reader = new ResponseReader(stream, started);
        await reader.ReadAsync(responseDeadline ?? DefaultResponseDeadline, settle ?? DefaultSettle, CancellationToken.None);
        return reader.ToExchange(writeFailed ? -1 : request.Length, writeFailed);
    }

    /// <summary>
    /// Writes <paramref name="head"/>, then <paramref name="trickle"/> one byte every <paramref name="interval"/>
    /// (repeating it while the connection lasts), reading the answer meanwhile, until the server ends the
    /// connection, <paramref name="deadline"/> passes or <paramref name="cancellation"/> fires (then the exchange
    /// is left open). <see cref="RawHttpExchange.Elapsed"/> is the time from the first byte written until the
    /// connection ended.
    /// </summary>
    public static async Task<RawHttpExchange> TrickleAsync(
        Uri server,
        ReadOnlyMemory<byte> head,
        ReadOnlyMemory<byte> trickle,
        TimeSpan interval,
        TimeSpan deadline,
        CancellationToken cancellation = default)
    {
        using var tcp = await ConnectAsync(server);
        var stream = tcp.GetStream();
        var started = Stopwatch.GetTimestamp();
        using var stopWriting = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var sent = 0;
        var writeFailed = false;

        async Task WriteSlowlyAsync()
        {
            try
            {
                await stream.WriteAsync(head, stopWriting.Token);
                sent += head.Length;
                using var timer = new PeriodicTimer(interval);
                for (var i = 0; await timer.WaitForNextTickAsync(stopWriting.Token); i++)
                {
                    await stream.WriteAsync(trickle.Slice(i % trickle.Length, 1), stopWriting.Token);
                    sent++;
                }
            }
            catch (OperationCanceledException)
            {
                // The reader saw the end of the connection, or the deadline passed.
            }
            catch (IOException)
            {
                writeFailed = true;
            }
        }

        var writer = WriteSlowlyAsync();
        var reader = new ResponseReader(stream, started);
        await reader.ReadAsync(deadline, settle: deadline, cancellation);
        await stopWriting.CancelAsync();
        await writer;
        return reader.ToExchange(sent, writeFailed);
    }

    private static async Task<TcpClient> ConnectAsync(Uri server)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(server.Host, server.Port);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }

        return tcp;
    }

    /// <summary>Reads into one growing buffer and cuts complete responses off its front as they arrive.</summary>
    private sealed class ResponseReader(NetworkStream stream, long started)
    {
        private readonly List<RawHttpResponse> _responses = [];
        private readonly MemoryStream _received = new();
        private int _parsed;
        private RawConnectionEnd _end = RawConnectionEnd.LeftOpen;
        private TimeSpan _elapsed;

        public async Task ReadAsync(TimeSpan responseDeadline, TimeSpan settle, CancellationToken cancellation)
        {
            var buffer = new byte[16 * 1024];
            var firstDeadline = Stopwatch.GetTimestamp() + (long)(responseDeadline.TotalSeconds * Stopwatch.Frequency);
            while (true)
            {
                var wait = _responses.Count > 0
                    ? settle
                    : TimeSpan.FromSeconds(Math.Max(0, (firstDeadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency));
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                timeout.CancelAfter(wait);
                int read;
                try
                {
                    read = await stream.ReadAsync(buffer, timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    _end = RawConnectionEnd.LeftOpen;
                    break;
                }
                catch (IOException)
                {
                    _end = RawConnectionEnd.Reset;
                    break;
                }

                if (read == 0)
                {
                    _end = RawConnectionEnd.Closed;
                    break;
                }

                _received.Write(buffer, 0, read);
                ParseComplete(atEnd: false);
            }

            _elapsed = Stopwatch.GetElapsedTime(started);
            if (_end != RawConnectionEnd.LeftOpen)
            {
                ParseComplete(atEnd: true);
            }
        }

        public RawHttpExchange ToExchange(int bytesSent, bool writeFailed)
        {
            var all = _received.GetBuffer().AsSpan(0, (int)_received.Length);
            return new RawHttpExchange(_responses, _end, _elapsed, bytesSent, writeFailed, all[_parsed..].ToArray());
        }

        private void ParseComplete(bool atEnd)
        {
            var all = _received.GetBuffer().AsSpan(0, (int)_received.Length);
            while (_parsed < all.Length && TryParse(all[_parsed..], atEnd, out var response, out var consumed))
            {
                _responses.Add(response);
                _parsed += consumed;
            }
        }

        /// <summary>One response from the front of <paramref name="data"/>, if it is all there.</summary>
        private static bool TryParse(ReadOnlySpan<byte> data, bool atEnd, out RawHttpResponse response, out int consumed)
        {
            response = null!;
            consumed = 0;
            var headEnd = data.IndexOf("\r\n\r\n"u8);
            if (headEnd < 0)
            {
                return false;
            }

            var lines = Encoding.Latin1.GetString(data[..headEnd]).Split("\r\n");
            var parts = lines[0].Split(' ', 3);
            if (parts.Length < 2 || !parts[0].StartsWith("HTTP/", StringComparison.Ordinal) ||
                !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
            {
                return false;
            }

            var headers = new List<KeyValuePair<string, string>>();
            foreach (var line in lines.AsSpan(1))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                headers.Add(colon < 0 ? new(line, "") : new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
            }

            var head = new RawHttpResponseHead(status, headers);
            var bodyStart = headEnd + 4;
            var rest = data[bodyStart..];
            if (status is < 200 or 204 or 304)
            {
                response = new RawHttpResponse(head, []);
                consumed = bodyStart;
                return true;
            }

            if (head.IsChunked)
            {
                if (!TryDechunk(rest, out var body, out var used))
                {
                    return false;
                }

                response = new RawHttpResponse(head, body);
                consumed = bodyStart + used;
                return true;
            }

            if (head.Header("Content-Length") is { } lengthText)
            {
                var length = int.Parse(lengthText, CultureInfo.InvariantCulture);
                if (rest.Length < length)
                {
                    return false;
                }

                response = new RawHttpResponse(head, rest[..length].ToArray());
                consumed = bodyStart + length;
                return true;
            }

            // Delimited by the end of the connection.
            if (!atEnd)
            {
                return false;
            }

            response = new RawHttpResponse(head, rest.ToArray());
            consumed = data.Length;
            return true;
        }

        private static bool TryDechunk(ReadOnlySpan<byte> data, out byte[] body, out int used)
        {
            body = [];
            used = 0;
            using var output = new MemoryStream();
            var at = 0;
            while (true)
            {
                var lineEnd = data[at..].IndexOf("\r\n"u8);
                if (lineEnd < 0)
                {
                    return false;
                }

                var sizeText = Encoding.ASCII.GetString(data.Slice(at, lineEnd)).Split(';')[0].Trim();
                var size = int.Parse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                at += lineEnd + 2;
                if (size == 0)
                {
                    // Trailers, then the empty line.
                    while (true)
                    {
                        var trailerEnd = data[at..].IndexOf("\r\n"u8);
                        if (trailerEnd < 0)
                        {
                            return false;
                        }

                        at += trailerEnd + 2;
                        if (trailerEnd == 0)
                        {
                            body = output.ToArray();
                            used = at;
                            return true;
                        }
                    }
                }

                if (data.Length < at + size + 2)
                {
                    return false;
                }

                output.Write(data.Slice(at, size));
                at += size + 2;
            }
        }
    }
}

using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using NeuroPilot.Edge.Http1;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Health.Internal;

/// <summary>
/// The probe of one plain-http destination over one keep-alive connection, as Envoy's health checker keeps its
/// connection: the request bytes are built once, the connection is opened on the first probe and reused while the
/// destination answers with cleanly framed, keep-alive responses. A response is read with the strict HTTP/1.1 parser
/// (<see cref="Http1ResponseParser"/>); a malformed one fails the probe and closes the connection. A probe that finds
/// the kept connection closed by the destination (it timed the idle connection out) is sent once more on a fresh
/// connection: a GET is safe to repeat. One probe at a time per connection (the probe target's loop).
/// </summary>
internal sealed class HttpProbeConnection(Uri url) : IDisposable
{
    /// <summary>The most a probe reads of a response head; a larger head fails the probe.</summary>
    public const int MaxHeadBytes = 16 * 1024;

    /// <summary>The most a probe reads of a response body to keep the connection; a larger body is not read: the connection is closed.</summary>
    public const int MaxDrainedBody = 64 * 1024;

    private const int ReceiveBufferSize = 4096;

    private static readonly Http1ParserOptions ParserOptions = new() { MaxHeadSize = MaxHeadBytes };

    private readonly byte[] _request = Encoding.ASCII.GetBytes(
        $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nUser-Agent: neuropilot-edge-probe/{EdgeVersion.Current}\r\nAccept: */*\r\n\r\n");

    private Socket? _socket;

    /// <summary>Whether a connection is open now (for tests: it is reused).</summary>
    public bool IsOpen => _socket is not null;

    /// <summary>Sends the probe and reads the whole response; returns its status. Throws on a failed exchange (the connection is then closed).</summary>
    public async Task<int> ExchangeAsync(CancellationToken cancellationToken)
    {
        if (_socket is null)
        {
            return await ExchangeOnceAsync(cancellationToken);
        }

        try
        {
            return await ExchangeOnceAsync(cancellationToken);
        }
        catch (StaleConnectionException)
        {
            return await ExchangeOnceAsync(cancellationToken);
        }
    }

    public void Dispose() => Close();

    private void Close()
    {
        _socket?.Dispose();
        _socket = null;
    }

    private async Task<int> ExchangeOnceAsync(CancellationToken cancellationToken)
    {
        var reused = _socket is not null;
        var reader = ResponseReader.Rent();
        try
        {
            var socket = _socket ??= await ConnectAsync(url, cancellationToken);
            try
            {
                await socket.SendAsync(_request, SocketFlags.None, cancellationToken);
            }
            catch (SocketException) when (reused)
            {
                throw new StaleConnectionException();
            }

            int status;
            bool keepAlive;
            try
            {
                (status, keepAlive) = await reader.ReadAsync(socket, reused, cancellationToken);
            }
            catch (SocketException) when (reused && !reader.Received)
            {
                // Reset by the destination before a byte of the response: it had closed the kept connection.
                throw new StaleConnectionException();
            }

            if (!keepAlive)
            {
                Close();
            }

            return status;
        }
        catch
        {
            Close();
            throw;
        }
        finally
        {
            reader.Return();
        }
    }

    private static async Task<Socket> ConnectAsync(Uri url, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (IPAddress.TryParse(url.IdnHost, out var address))
            {
                await socket.ConnectAsync(new IPEndPoint(address, url.Port), cancellationToken);
            }
            else
            {
                await socket.ConnectAsync(url.IdnHost, url.Port, cancellationToken);
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A kept connection the destination had closed before the probe: nothing of a response came.</summary>
    private sealed class StaleConnectionException() : IOException("the kept connection was closed by the destination");

    /// <summary>
    /// The parser, head, chunked decoder and receive buffer of one probe in flight, pooled: thousands of destinations
    /// share the few that are in use at one moment.
    /// </summary>
    private sealed class ResponseReader
    {
        private static readonly ConcurrentBag<ResponseReader> Pool = [];

        private readonly Http1ResponseParser _parser = new(ParserOptions);
        private readonly Http1ResponseHead _head = new();
        private readonly Http1ChunkedDecoder _chunked = new(ParserOptions);
        private byte[] _buffer = [];
        private int _start;
        private int _end;

        /// <summary>Whether any byte of a response came.</summary>
        public bool Received { get; private set; }

        public static ResponseReader Rent()
        {
            var reader = Pool.TryTake(out var pooled) ? pooled : new ResponseReader();
            reader._buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
            reader._start = reader._end = 0;
            reader.Received = false;
            return reader;
        }

        public void Return()
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            _parser.Reset();
            _head.Reset();
            _chunked.Reset();
            if (Pool.Count < 64)
            {
                Pool.Add(this);
            }
        }

        /// <summary>The status of the final response and whether the connection may carry the next probe.</summary>
        public async Task<(int Status, bool KeepAlive)> ReadAsync(Socket socket, bool reused, CancellationToken cancellationToken)
        {
            while (true)
            {
                var result = _parser.Parse(Unread, _head, requestWasHead: false);
                if (result.Status == Http1ParseStatus.NeedMoreData)
                {
                    if (!await ReceiveAsync(socket, cancellationToken))
                    {
                        throw !Received && reused ? new StaleConnectionException() : new IOException("the connection closed before the response head ended");
                    }

                    continue;
                }

                if (result.Status != Http1ParseStatus.Complete)
                {
                    throw new InvalidDataException($"invalid response: {result.Reason}");
                }

                _start += (int)result.Consumed;
                if (!_head.IsInterim)
                {
                    break;
                }
            }

            if (_head.IsSwitchingProtocols)
            {
                return (_head.StatusCode, false);
            }

            var drained = _head.BodyKind switch
            {
                Http1BodyKind.None => true,
                Http1BodyKind.ContentLength => await DrainContentAsync(socket, _head.ContentLength, cancellationToken),
                Http1BodyKind.Chunked => await DrainChunkedAsync(socket, cancellationToken),
                _ => false,
            };

            // Bytes after the response were never asked for: the connection's framing can no longer be trusted.
            return (_head.StatusCode, drained && _head.KeepAlive && _start == _end);
        }

        private ReadOnlySequence<byte> Unread => new(_buffer, _start, _end - _start);

        /// <summary>Reads more bytes after the unread ones (moved to the front first); false at the end of the stream.</summary>
        private async ValueTask<bool> ReceiveAsync(Socket socket, CancellationToken cancellationToken)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                if (_buffer.Length >= MaxHeadBytes + ReceiveBufferSize)
                {
                    throw new InvalidDataException("invalid response: a head over 16 KiB");
                }

                var larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
                Buffer.BlockCopy(_buffer, 0, larger, 0, _end);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }

            var read = await socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
            _end += read;
            Received |= read > 0;
            return read > 0;
        }

        private async ValueTask<bool> DrainContentAsync(Socket socket, long length, CancellationToken cancellationToken)
        {
            if (length > MaxDrainedBody)
            {
                return false;
            }

            var remaining = length;
            while (true)
            {
                var take = (int)Math.Min(remaining, _end - _start);
                _start += take;
                remaining -= take;
                if (remaining == 0)
                {
                    return true;
                }

                if (!await ReceiveAsync(socket, cancellationToken))
                {
                    throw new IOException("the connection closed before the response body ended");
                }
            }
        }

        private async ValueTask<bool> DrainChunkedAsync(Socket socket, CancellationToken cancellationToken)
        {
            long read = 0;
            while (true)
            {
                var result = _chunked.Decode(Unread);
                _start += (int)result.Consumed;
                read += result.Consumed;
                switch (result.Status)
                {
                    case Http1ChunkedStatus.Complete:
                        return true;
                    case Http1ChunkedStatus.Invalid:
                        throw new InvalidDataException($"invalid response: {result.Reason}");
                    case Http1ChunkedStatus.NeedMoreData:
                        if (read > MaxDrainedBody)
                        {
                            return false;
                        }

                        if (!await ReceiveAsync(socket, cancellationToken))
                        {
                            throw new IOException("the connection closed before the chunked body ended");
                        }

                        break;
                }
            }
        }
    }
}

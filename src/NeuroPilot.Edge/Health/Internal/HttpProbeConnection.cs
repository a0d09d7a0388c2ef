using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Tasks.Sources;
using NeuroPilot.Edge.Http1;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Health.Internal;

/// <summary>
/// The probe of one plain-http destination over one keep-alive connection, as Envoy's health checker keeps its
/// connection: the request's own bytes are built once, the connection is opened on the first probe and reused while the
/// destination answers with cleanly framed, keep-alive responses. A response is read with the strict HTTP/1.1 parser
/// (<see cref="Http1ResponseParser"/>); a malformed one fails the probe and closes the connection. A probe that finds
/// the kept connection closed by the destination (it timed the idle connection out) is sent once more on a fresh
/// connection: a GET is safe to repeat. One probe at a time per connection (the probe target's loop).
/// <para>
/// What it holds while idle is the socket, its end point and the request's first lines, nothing more (10,000 destinations keep 10,000 of
/// these): the request is sent with one synchronous send (~100 bytes into an empty socket buffer; the probe's earlier
/// request was answered or the connection closed), and the connect and receives go through socket event args rented
/// with the reader for the probe only, so the socket caches no event args of its own; the deadline closes the socket.
/// </para>
/// </summary>
internal sealed class HttpProbeConnection : IDisposable
{
    /// <summary>The most a probe reads of a response head; a larger head fails the probe.</summary>
    public const int MaxHeadBytes = 16 * 1024;

    /// <summary>The most a probe reads of a response body to keep the connection; a larger body is not read: the connection is closed.</summary>
    public const int MaxDrainedBody = 64 * 1024;

    private const int ReceiveBufferSize = 4096;

    private static readonly Http1ParserOptions ParserOptions = new() { MaxHeadSize = MaxHeadBytes };

    /// <summary>The request's last lines, the same for every destination.</summary>
    private static readonly byte[] RequestTail = Encoding.ASCII.GetBytes($"User-Agent: neuropilot-edge-probe/{EdgeVersion.Current}\r\nAccept: */*\r\n\r\n");

    /// <summary>The request's own first lines (request line and Host); <see cref="RequestTail"/> follows them.</summary>
    private readonly byte[] _requestHead;

    // One end point for every connect: the socket keeps the one it connected to, so it is the same object.
    private readonly EndPoint _endPoint;
    private Socket? _socket;
    private bool _sentAhead;

    // The deadline without a CancellationTokenSource (two of them and a registration were ~0.4 KB per destination):
    // the exchange in flight lends its socket to Abort, which closes it; the exchange takes it back when its read is done.
    private Socket? _abortable;
    private int _aborted;

    public HttpProbeConnection(Uri url)
    {
        _requestHead = Encoding.ASCII.GetBytes($"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\n");
        _endPoint = IPAddress.TryParse(url.IdnHost, out var address) ? new IPEndPoint(address, url.Port) : new DnsEndPoint(url.IdnHost, url.Port);
    }

    /// <summary>Whether a connection is open now (for tests: it is reused).</summary>
    public bool IsOpen => _socket is not null;

    /// <summary>
    /// Sends the probe and reads the whole response; returns its status. Throws on a failed exchange (the connection is
    /// then closed), <see cref="OperationCanceledException"/> when <see cref="Abort"/> ended it.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> ExchangeAsync()
    {
        if (_socket is null)
        {
            return await ExchangeOnceAsync();
        }

        try
        {
            return await ExchangeOnceAsync();
        }
        catch (StaleConnectionException)
        {
            return await ExchangeOnceAsync();
        }
    }

    /// <summary>One exchange that <paramref name="cancellationToken"/> aborts (a connection for one probe, not kept).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> ExchangeAsync(CancellationToken cancellationToken)
    {
        Rearm();
        using var abort = cancellationToken.UnsafeRegister(static s => ((HttpProbeConnection)s!).Abort(), this);
        return await ExchangeAsync();
    }

    /// <summary>
    /// Ends the exchange in flight now (its deadline passed, or the probe stopped): its socket is closed and it throws
    /// <see cref="OperationCanceledException"/>; an exchange started after it throws at once, until <see cref="Rearm"/>.
    /// Once the exchange has read its response it is too late: the response counts.
    /// </summary>
    public void Abort()
    {
        Interlocked.Exchange(ref _aborted, 1);
        Interlocked.Exchange(ref _abortable, null)?.Dispose();
    }

    /// <summary>Clears an <see cref="Abort"/> before the next exchange (the caller's, while no exchange runs).</summary>
    public void Rearm() => Volatile.Write(ref _aborted, 0);

    /// <summary>
    /// Sends the next probe's request now on the kept connection, before <see cref="ExchangeAsync"/> (which then only
    /// reads): the scheduler sends a whole batch first and reads after, so most answers are already there when read
    /// and the read completes at once, without a wait on epoll and a thread-pool hop per probe. False when there is
    /// no kept connection or the send failed (the connection is then closed; the exchange opens a new one).
    /// </summary>
    public bool TrySendAhead()
    {
        if (_socket is not { } socket || _sentAhead)
        {
            return false;
        }

        try
        {
            Send(socket);
            _sentAhead = true;
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The destination closed the kept connection: as when the send fails in the exchange, a new one is opened.
            Close();
            return false;
        }
    }

    public void Dispose() => Close();

    private void Close()
    {
        _sentAhead = false;
        _socket?.Dispose();
        _socket = null;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ExchangeOnceAsync()
    {
        if (IsAborted)
        {
            throw new OperationCanceledException();
        }

        var reused = _socket is not null;
        var socket = _socket ??= NewSocket(_endPoint);
        var reader = ResponseReader.Rent();

        // The deadline (or stop) closes the socket: the connect or receive in flight ends at once.
        Interlocked.Exchange(ref _abortable, socket);
        try
        {
            if (IsAborted)
            {
                throw new OperationCanceledException();
            }

            if (!reused)
            {
                await reader.ConnectAsync(socket, _endPoint);
            }

            try
            {
                if (!_sentAhead)
                {
                    Send(socket);
                }
            }
            catch (SocketException) when (reused)
            {
                throw new StaleConnectionException();
            }
            finally
            {
                _sentAhead = false;
            }

            int status;
            bool keepAlive;
            try
            {
                (status, keepAlive) = await reader.ReadAsync(socket, reused);
            }
            catch (SocketException) when (reused && !reader.Received && !IsAborted)
            {
                // Reset by the destination before a byte of the response: it had closed the kept connection.
                throw new StaleConnectionException();
            }

            // Past this, the deadline can no longer close the socket under the next probe; if it already took it, the
            // socket is closed (or being closed): the response counts, the connection does not stay.
            if (!TakeBack(socket) || !keepAlive)
            {
                Close();
            }

            return status;
        }
        catch (Exception e) when (e is not StaleConnectionException && IsAborted)
        {
            TakeBack(socket);
            Close();
            throw new OperationCanceledException("the probe was aborted", e);
        }
        catch
        {
            TakeBack(socket);
            Close();
            throw;
        }
        finally
        {
            reader.Return();
        }
    }

    private bool IsAborted => Volatile.Read(ref _aborted) != 0;

    /// <summary>Takes the socket back from <see cref="Abort"/>; false when Abort took it first (it is closed).</summary>
    private bool TakeBack(Socket socket) => Interlocked.CompareExchange(ref _abortable, null, socket) == socket;

    /// <summary>
    /// A socket of the address's own family: the dual-mode IPv6 socket the family-less constructor makes would keep an
    /// IPv4 destination as a mapped IPv6 address (with its array of numbers); a host name gets that dual-mode socket.
    /// </summary>
    private static Socket NewSocket(EndPoint endPoint)
    {
        var socket = endPoint is IPEndPoint ip ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp) : new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.NoDelay = true;
        return socket;
    }

    /// <summary>
    /// The request in one synchronous send: ~100 bytes into a socket with nothing unsent, copied together from the
    /// destination's head and the shared tail into a pooled buffer (a whole request kept per destination was ~0.13 KB).
    /// </summary>
    private void Send(Socket socket)
    {
        var length = _requestHead.Length + RequestTail.Length;
        var request = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            _requestHead.CopyTo(request, 0);
            RequestTail.CopyTo(request, _requestHead.Length);
            var sent = 0;
            while (sent < length)
            {
                sent += socket.Send(request, sent, length - sent, SocketFlags.None);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(request);
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
        private readonly SocketOperation _operation = new();
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
            if (Pool.Count < 256)
            {
                Pool.Add(this);
            }
            else
            {
                _operation.Dispose();
            }
        }

        public ValueTask<int> ConnectAsync(Socket socket, EndPoint endPoint) => _operation.ConnectAsync(socket, endPoint);

        /// <summary>The status of the final response and whether the connection may carry the next probe.</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        public async ValueTask<(int Status, bool KeepAlive)> ReadAsync(Socket socket, bool reused)
        {
            while (true)
            {
                var result = _parser.Parse(Unread, _head, requestWasHead: false);
                if (result.Status == Http1ParseStatus.NeedMoreData)
                {
                    if (!await ReceiveAsync(socket))
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
                Http1BodyKind.ContentLength => await DrainContentAsync(socket, _head.ContentLength),
                Http1BodyKind.Chunked => await DrainChunkedAsync(socket),
                _ => false,
            };

            // Bytes after the response were never asked for: the connection's framing can no longer be trusted.
            return (_head.StatusCode, drained && _head.KeepAlive && _start == _end);
        }

        private ReadOnlySequence<byte> Unread => new(_buffer, _start, _end - _start);

        /// <summary>Reads more bytes after the unread ones (moved to the front first); false at the end of the stream.</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<bool> ReceiveAsync(Socket socket)
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

            var read = await _operation.ReceiveAsync(socket, _buffer.AsMemory(_end));
            _end += read;
            Received |= read > 0;
            return read > 0;
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<bool> DrainContentAsync(Socket socket, long length)
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

                if (!await ReceiveAsync(socket))
                {
                    throw new IOException("the connection closed before the response body ended");
                }
            }
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<bool> DrainChunkedAsync(Socket socket)
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

                        if (!await ReceiveAsync(socket))
                        {
                            throw new IOException("the connection closed before the chunked body ended");
                        }

                        break;
                }
            }
        }
    }

    /// <summary>
    /// One connect or receive at a time through socket event args that belong to a pooled reader, not to the socket
    /// (a socket's own async calls would cache two event args on it for good); completes a <see cref="ValueTask{T}"/>.
    /// </summary>
    private sealed class SocketOperation() : SocketAsyncEventArgs(unsafeSuppressExecutionContextFlow: true), IValueTaskSource<int>
    {
        private ManualResetValueTaskSourceCore<int> _source;

        public ValueTask<int> ConnectAsync(Socket socket, EndPoint endPoint)
        {
            _source.Reset();
            RemoteEndPoint = endPoint;
            SetBuffer(Memory<byte>.Empty);
            if (!socket.ConnectAsync(this))
            {
                Finish();
            }

            return new ValueTask<int>(this, _source.Version);
        }

        public ValueTask<int> ReceiveAsync(Socket socket, Memory<byte> buffer)
        {
            _source.Reset();
            SetBuffer(buffer);
            if (!socket.ReceiveAsync(this))
            {
                Finish();
            }

            return new ValueTask<int>(this, _source.Version);
        }

        public int GetResult(short token)
        {
            try
            {
                return _source.GetResult(token);
            }
            finally
            {
                // The buffer is the reader's pooled array: not held past the operation.
                SetBuffer(Memory<byte>.Empty);
                RemoteEndPoint = null;
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _source.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _source.OnCompleted(continuation, state, token, flags);

        protected override void OnCompleted(SocketAsyncEventArgs e) => Finish();

        private void Finish()
        {
            if (SocketError == SocketError.Success)
            {
                _source.SetResult(BytesTransferred);
            }
            else
            {
                _source.SetException(new SocketException((int)SocketError));
            }
        }
    }
}

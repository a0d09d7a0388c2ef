using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Http.Internal;

/// <summary>
/// One keep-alive HTTP/1.1 connection carrying one request at a time (no pipelining). The pool hands it a request;
/// it sends, parses the response, records the outcome, then takes the next queued request or goes back to the pool.
/// <para>
/// Each request has a token (sequence number and phase). The pool's watchdog abandons a request by moving its
/// token from Busy to TimedOut or Aborted and closing the socket; the connection ends a request by moving it from
/// Busy to Completing. Whoever moves the token first decides the outcome, so a response that races a timeout is
/// counted exactly once, and a stale watchdog view can never abandon the next request (its token differs).
/// </para>
/// <para>
/// Each connection runs one long-lived loop that waits for work on a reusable signal (this object is the
/// <see cref="IValueTaskSource{TResult}"/>), so a request allocates nothing in steady state. The signal runs the
/// loop inline: the send happens on the thread that handed over the request (the scheduler, or the thread that
/// finished the previous response), with no thread hop.
/// </para>
/// </summary>
internal sealed class Http1Connection : IValueTaskSource<bool>
{
    private const long Idle = 0;
    private const long Busy = 1;
    private const long Completing = 2;
    private const long TimedOut = 3;
    private const long Aborted = 4;
    private const long PhaseMask = 7;
    private const int BufferSize = 16 * 1024;
    private const string UnfinishedMessage = "still outstanding at the end of the grace period";

    private readonly Http1ConnectionPool _pool;
    private readonly HttpTarget _target;
    private readonly EndPoint _endPoint;
    private readonly RunRecorder _recorder;
    private readonly IPAddress? _sourceAddress;
    private readonly byte[] _buffer = new byte[BufferSize];
    private readonly Http1ResponseParser _parser = new();
    private Socket? _socket;
    private long _token;
    private long _deadline;
    private int _filled;
    private ManualResetValueTaskSourceCore<bool> _work;
    private long _nextIntended;
    private bool _nextQueued;
    private bool _loopStarted;

    /// <param name="sourceAddress">The local address to connect from (a drill's client 127.0.0.x), or null for the OS's choice.</param>
    public Http1Connection(Http1ConnectionPool pool, HttpTarget target, EndPoint endPoint, RunRecorder recorder, IPAddress? sourceAddress = null)
    {
        _pool = pool;
        _target = target;
        _endPoint = endPoint;
        _recorder = recorder;
        _sourceAddress = sourceAddress;
        if (target.TagHeader is { } tagHeader)
        {
            _parser.ConfigureTag(tagHeader, target.TagValues);
        }
    }

    /// <summary>Connects ahead of the run; returns null on success, else the error.</summary>
    public async Task<string?> OpenAsync(CancellationToken cancellationToken)
    {
        Socket? socket = null;
        try
        {
            socket = NewSocket();
            await socket.ConnectAsync(_endPoint, cancellationToken).ConfigureAwait(false);
            _socket = socket;
            return null;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ConnectFailedException)
        {
            socket?.Dispose();
            return e is OperationCanceledException ? "connect timed out" : e.Message;
        }
    }

    /// <summary>Starts a request (the pool has reserved this connection for it). Runs synchronously up to the first wait.</summary>
    public void Start(long intended, bool queued)
    {
        Volatile.Write(ref _nextIntended, intended);
        Volatile.Write(ref _nextQueued, queued);
        if (!_loopStarted)
        {
            _loopStarted = true;
            _ = LoopAsync();
        }

        _work.SetResult(true);
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _work.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _work.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _work.OnCompleted(continuation, state, token, flags);

    /// <summary>Watchdog: abandons the current request if its deadline has passed.</summary>
    public void AbandonIfExpired(long now)
    {
        var token = Volatile.Read(ref _token);
        if ((token & PhaseMask) == Busy && now >= Volatile.Read(ref _deadline))
        {
            Abandon(token, TimedOut);
        }
    }

    /// <summary>End of run: abandons the current request, if any, as unfinished.</summary>
    public void AbandonIfBusy()
    {
        var token = Volatile.Read(ref _token);
        if ((token & PhaseMask) == Busy)
        {
            Abandon(token, Aborted);
        }
    }

    public void Close() => Interlocked.Exchange(ref _socket, null)?.Dispose();

    private void Abandon(long token, long phase)
    {
        var abandoned = token - Busy + phase;
        if (Interlocked.CompareExchange(ref _token, abandoned, token) != token)
        {
            return;
        }

        // Close the abandoned request's socket: that fails its pending connect, send or receive at once, and the
        // connection records the outcome. The socket is read after the token moved (a socket installed later is
        // checked against the token by ConnectAsync), and closed only if the connection is still on that request
        // (so a slow watchdog can never close the socket of the next one).
        var socket = Volatile.Read(ref _socket);
        if (Volatile.Read(ref _token) == abandoned)
        {
            socket?.Dispose();
        }
    }

    private async Task LoopAsync()
    {
        while (true)
        {
            await new ValueTask<bool>(this, _work.Version).ConfigureAwait(false);

            // The next signal can only come after this connection is back in the pool, below: after this reset.
            _work.Reset();
            var intended = Volatile.Read(ref _nextIntended);
            var queued = Volatile.Read(ref _nextQueued);
            do
            {
                await ExecuteAsync(intended, queued).ConfigureAwait(false);
                queued = true;
            }
            while (_pool.TryTakeQueued(this, out intended));
        }
    }

    // Pooled state machines: a request that waits for its response allocates nothing in steady state.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ExecuteAsync(long intended, bool queued)
    {
        var token = (Volatile.Read(ref _token) & ~PhaseMask) + (PhaseMask + 1) + Busy;
        Volatile.Write(ref _deadline, intended + _pool.TimeoutTicks);
        Volatile.Write(ref _token, token);
        long sentAt = 0;
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var socket = Volatile.Read(ref _socket);
                var reused = socket is not null;
                socket ??= await ConnectAsync(token).ConfigureAwait(false);
                if (sentAt == 0)
                {
                    sentAt = Stopwatch.GetTimestamp();
                    _recorder.RecordSend(intended, sentAt, queued);
                }

                try
                {
                    await ExchangeAsync(socket).ConfigureAwait(false);
                    break;
                }
                catch (Exception e) when (attempt == 0 && reused && !_parser.SawAnyByte && IsClosedByPeer(e) &&
                                          Volatile.Read(ref _token) == token)
                {
                    // The target had closed this idle keep-alive connection (keepalive_timeout, a restart): the
                    // request never reached it, so it goes again on a fresh connection, as HttpClient does.
                    Close();
                    _recorder.RecordReconnect();
                }
            }

            var completedAt = Stopwatch.GetTimestamp();
            if (TryEnd(token, out var phase))
            {
                _recorder.RecordResponse(intended, sentAt, completedAt, _parser.StatusCode, _parser.Tag);
                if (!_parser.KeepAlive || _filled > 0)
                {
                    Close();
                }
            }
            else
            {
                RecordAbandoned(intended, sentAt, completedAt, phase);
            }
        }
        catch (Exception e)
        {
            var failedAt = Stopwatch.GetTimestamp();
            if (TryEnd(token, out var phase))
            {
                var kind = e is ConnectFailedException ? FailureKind.Connect : FailureKind.Transport;
                _recorder.RecordFailure(intended, failedAt, kind, Describe(e), sentAt);
                Close();
            }
            else
            {
                RecordAbandoned(intended, sentAt, failedAt, phase);
            }
        }
        finally
        {
            Volatile.Write(ref _token, (token & ~PhaseMask) + Idle);
        }
    }

    private void RecordAbandoned(long intended, long sentAt, long at, long phase)
    {
        Close();
        var kind = phase == TimedOut ? FailureKind.Timeout : FailureKind.Unfinished;
        _recorder.RecordFailure(intended, at, kind, kind == FailureKind.Timeout ? _pool.TimeoutMessage : UnfinishedMessage, sentAt);
    }

    private bool TryEnd(long token, out long phase)
    {
        var observed = Interlocked.CompareExchange(ref _token, token - Busy + Completing, token);
        phase = observed & PhaseMask;
        return observed == token;
    }

    private async ValueTask<Socket> ConnectAsync(long token)
    {
        var socket = NewSocket();
        Interlocked.Exchange(ref _socket, socket)?.Dispose();
        if (Volatile.Read(ref _token) != token)
        {
            // Abandoned before the socket existed: the watchdog had nothing to close.
            throw new OperationCanceledException();
        }

        try
        {
            await socket.ConnectAsync(_endPoint).ConfigureAwait(false);
            return socket;
        }
        catch (SocketException e)
        {
            throw new ConnectFailedException(e.Message, e);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ExchangeAsync(Socket socket)
    {
        _parser.Reset(_target.IsHead);
        _filled = 0;
        await socket.SendAsync(_target.RequestBytes.AsMemory(), SocketFlags.None).ConfigureAwait(false);
        while (true)
        {
            if (_filled == _buffer.Length)
            {
                throw new Http1ProtocolException("a response line does not fit the receive buffer");
            }

            var received = await socket.ReceiveAsync(_buffer.AsMemory(_filled), SocketFlags.None).ConfigureAwait(false);
            if (received == 0)
            {
                if (_parser.CompleteAtEndOfStream())
                {
                    return;
                }

                throw new ClosedByPeerException();
            }

            _filled += received;
            var done = _parser.TryParse(_buffer.AsSpan(0, _filled), out var consumed);
            _filled -= consumed;
            if (_filled > 0 && consumed > 0)
            {
                _buffer.AsSpan(consumed, _filled).CopyTo(_buffer);
            }

            if (done)
            {
                return;
            }
        }
    }

    private Socket NewSocket()
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (_sourceAddress is not null)
        {
            try
            {
                socket.Bind(new IPEndPoint(_sourceAddress, 0));
            }
            catch (SocketException e)
            {
                socket.Dispose();
                throw new ConnectFailedException($"cannot bind to {_sourceAddress}: {e.Message}", e);
            }
        }

        return socket;
    }

    private static bool IsClosedByPeer(Exception e) =>
        e is ClosedByPeerException ||
        e is SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown };

    private static string Describe(Exception e) => e switch
    {
        ClosedByPeerException => "the target closed the connection before the response ended",
        SocketException se => $"socket error {se.SocketErrorCode}: {se.Message}",
        _ => e.Message,
    };

    private sealed class ConnectFailedException(string message, Exception inner) : Exception(message, inner);

    private sealed class ClosedByPeerException() : Exception("the target closed the connection");
}

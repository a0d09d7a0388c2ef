using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using Microsoft.Extensions.ObjectPool;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Failover;
using Yarp.ReverseProxy.Forwarder;

namespace NeuroPilot.Edge.Forwarding.Internal;

/// <summary>
/// One request over one upstream connection, as a reusable operation rather than an async method: an async method
/// that waits on the upstream costs a state-machine allocation per request, this object is pooled and its steps are
/// chained by cached callbacks (no allocation on the common path). The steps: the head written into the pipe and
/// flushed, the body sent whole when there is one (as HttpClient sends an HTTP/1.1 request), the response head read
/// and parsed strictly, then <see cref="Http1Exchange.RespondAsync"/>. The connection goes back to its pool only
/// after a cleanly framed, kept-alive response; a kept connection found closed before any answer sends an
/// idempotent bodiless request once more on a fresh connection.
/// </summary>
internal sealed class ExchangeOperation : IValueTaskSource<ForwarderError>
{
    private static readonly ObjectPool<ExchangeOperation> Operations =
        new DefaultObjectPool<ExchangeOperation>(new Policy(), Environment.ProcessorCount * 64);

    private readonly Action _onFlushed;
    private readonly Action _onRead;
    private readonly Action _onResponded;
    private ManualResetValueTaskSourceCore<ForwarderError> _core;
    private ValueTaskAwaiter<FlushResult> _flushed;
    private ValueTaskAwaiter<ReadResult> _read;
    private ValueTaskAwaiter<(ForwarderError Error, bool Reusable)> _responded;
    private HttpContext _context = null!;
    private ServiceOptions _options = null!;
    private UpstreamPool _pool = null!;
    private UpstreamConnection _connection = null!;
    private ForwardAttempt? _attempt;
    private CancellationToken _perTry;
    private CancellationTokenRegistration _perTryRegistration;
    private CancellationTokenRegistration _abortRegistration;
    private RequestFraming _framing;
    private bool _mayRetryStale;
    private bool _requestWasHead;
    private bool _nothingCame;

    private ExchangeOperation()
    {
        _onFlushed = OnFlushed;
        _onRead = OnRead;
        _onResponded = OnResponded;
    }

    /// <summary>Starts the exchange on <paramref name="connection"/> (a kept one when <paramref name="reused"/>).</summary>
    public static ValueTask<ForwarderError> Start(
        HttpContext context, ServiceOptions options, UpstreamPool pool, UpstreamConnection connection, bool reused, CancellationToken perTry)
    {
        var operation = Operations.Get();
        operation._context = context;
        operation._options = options;
        operation._pool = pool;
        operation._connection = connection;
        operation._perTry = perTry;
        operation._attempt = context.Features.Get<ForwardAttempt>();
        operation._core.Reset();
        var version = operation._core.Version;
        operation.Begin(reused);
        return new ValueTask<ForwarderError>(operation, version);
    }

    public ForwarderError GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _context = null!;
            _options = null!;
            _pool = null!;
            _connection = null!;
            _attempt = null;
            _perTry = default;
            Operations.Return(this);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private void Begin(bool reused)
    {
        var connection = _connection;
        connection.Begin(_options.RequestTimeout);
        _perTryRegistration = _perTry.CanBeCanceled
            ? _perTry.UnsafeRegister(static state => ((UpstreamConnection)state!).Cancel(CancelReason.PerTry), connection)
            : default;
        _abortRegistration = _context.RequestAborted.UnsafeRegister(static state => ((UpstreamConnection)state!).Cancel(CancelReason.ClientAborted), connection);
        _nothingCame = true;
        try
        {
            var request = _context.Request;
            _framing = RequestHeadWriter.Write(connection.Output, _context, _pool.HostField, _options.PreserveHost, _attempt?.Client ?? default);
            _mayRetryStale = reused && _framing == RequestFraming.None && Http1Exchange.IsIdempotent(request.Method);
            _requestWasHead = HttpMethods.IsHead(request.Method);
            var flush = connection.Output.FlushAsync();
            if (!flush.IsCompleted)
            {
                _flushed = flush.GetAwaiter();
                _flushed.UnsafeOnCompleted(_onFlushed);
                return;
            }

            AfterFlush(flush.GetAwaiter().GetResult());
        }
        catch (Exception e) when (Http1Exchange.IsConnectionFailure(e))
        {
            OnHead(new(ForwarderError.Request, e, true, false));
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    private void OnFlushed()
    {
        try
        {
            AfterFlush(_flushed.GetResult());
        }
        catch (Exception e) when (Http1Exchange.IsConnectionFailure(e))
        {
            OnHead(new(ForwarderError.Request, e, true, false));
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    private void AfterFlush(FlushResult flush)
    {
        if (flush.IsCanceled || flush.IsCompleted)
        {
            OnHead(new(flush.IsCanceled ? ForwarderError.RequestCanceled : ForwarderError.Request, null, true, false));
        }
        else if (_framing == RequestFraming.None)
        {
            ReadHead();
        }
        else
        {
            _ = SendBodyThenReadAsync();
        }
    }

    /// <summary>The body (a request with one: not the common path, an async method is fine), then the response head.</summary>
    private async Task SendBodyThenReadAsync()
    {
        try
        {
            var (error, exception) = await RequestBody.SendAsync(_context.Request.Body, _connection, _framing == RequestFraming.Chunked);
            switch (error)
            {
                case ForwarderError.None:
                    ReadHead();
                    break;
                case ForwarderError.RequestCanceled:
                    OnHead(new(ForwarderError.RequestCanceled, null, false, false));
                    break;
                default:
                    // A client body that fails (too slow, cut, too large) is answered as the YARP path answers it.
                    OnHead(new(Http1Exchange.Report(_context, error, exception), exception, false, false) { Reported = true });
                    break;
            }
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    private void ReadHead()
    {
        while (true)
        {
            ReadResult read;
            try
            {
                var reading = _connection.Input.ReadAsync();
                if (!reading.IsCompleted)
                {
                    _read = reading.GetAwaiter();
                    _read.UnsafeOnCompleted(_onRead);
                    return;
                }

                read = reading.GetAwaiter().GetResult();
            }
            catch (Exception e) when (Http1Exchange.IsConnectionFailure(e))
            {
                OnHead(new(ForwarderError.Request, e, _nothingCame, false));
                return;
            }

            if (Http1Exchange.ParseHead(_connection, read, _requestWasHead, ref _nothingCame) is { } head)
            {
                OnHead(head);
                return;
            }
        }
    }

    private void OnRead()
    {
        try
        {
            ReadResult read;
            try
            {
                read = _read.GetResult();
            }
            catch (Exception e) when (Http1Exchange.IsConnectionFailure(e))
            {
                OnHead(new(ForwarderError.Request, e, _nothingCame, false));
                return;
            }

            if (Http1Exchange.ParseHead(_connection, read, _requestWasHead, ref _nothingCame) is { } head)
            {
                OnHead(head);
            }
            else
            {
                ReadHead();
            }
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    private void OnHead(Http1Exchange.HeadRead head)
    {
        if (head.Error is { } error)
        {
            // A kept connection the destination had closed before it read the request (nothing of a response came,
            // the request has no body and is idempotent): once more, on a fresh connection.
            var stale = head.NothingCame && _mayRetryStale && error == ForwarderError.Request;
            Complete(stale ? error : Http1Exchange.ReportHeadError(_context, _connection, head), keep: false, stale);
            return;
        }

        var responding = Http1Exchange.RespondAsync(_context, _connection, _attempt, head.Valid);
        if (!responding.IsCompleted)
        {
            _responded = responding.GetAwaiter();
            _responded.UnsafeOnCompleted(_onResponded);
            return;
        }

        var (result, keep) = responding.GetAwaiter().GetResult();
        Complete(result, keep, stale: false);
    }

    private void OnResponded()
    {
        try
        {
            var (result, keep) = _responded.GetResult();
            Complete(result, keep, stale: false);
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    /// <summary>Ends the exchange: the connection back to its pool or closed, then the result (or the retry on a fresh connection).</summary>
    private void Complete(ForwarderError result, bool keep, bool stale)
    {
        Release(keep);
        if (stale)
        {
            _ = RetryOnFreshConnectionAsync();
            return;
        }

        _core.SetResult(result);
    }

    private async Task RetryOnFreshConnectionAsync()
    {
        try
        {
            _core.SetResult(await Http1Exchange.ConnectThenExchangeAsync(_context, _options, _pool, _perTry));
        }
        catch (Exception e)
        {
            _core.SetException(e);
        }
    }

    /// <summary>A fault of the engine itself: the connection is closed and the request fails with the exception.</summary>
    private void Fail(Exception e)
    {
        if (_connection is not null)
        {
            Release(keep: false);
        }

        _core.SetException(e);
    }

    private void Release(bool keep)
    {
        _perTryRegistration.Dispose();
        _abortRegistration.Dispose();
        _perTryRegistration = default;
        _abortRegistration = default;
        var connection = _connection;
        _connection = null!;
        var clean = connection.End();
        if (keep && clean)
        {
            _pool.Return(connection);
        }
        else
        {
            _pool.Close(connection);
        }
    }

    private sealed class Policy : IPooledObjectPolicy<ExchangeOperation>
    {
        public ExchangeOperation Create() => new();

        public bool Return(ExchangeOperation operation) => true;
    }
}

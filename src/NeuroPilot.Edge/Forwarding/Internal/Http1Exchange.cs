using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Failover;
using NeuroPilot.Edge.Http1;
using Yarp.ReverseProxy.Forwarder;

namespace NeuroPilot.Edge.Forwarding.Internal;

/// <summary>
/// One request over one upstream connection of the fast engine: the head written into the pipe, the body (when
/// there is one) sent beside the wait for the response as YARP sends it, the response head parsed strictly, the
/// attempt told (it may hold the status back for a retry), the head and body relayed into Kestrel's response. The
/// connection goes back to its pool only after a cleanly framed, kept-alive response to a request sent whole; a
/// malformed response is a 502 and its connection is closed. Failures are reported as YARP reports them.
/// </summary>
internal static class Http1Exchange
{
    /// <summary>What one exchange came to: an error in YARP's words, or "the kept connection was stale: try a fresh one".</summary>
    private readonly record struct Outcome(ForwarderError Error, bool Stale);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<ForwarderError> RunAsync(HttpContext context, ServiceOptions options, UpstreamPool pool, CancellationToken perTry)
    {
        if (options.PreserveHost && context.Request.Host.HasValue && !IsCarriableHost(context.Request.Host.Value))
        {
            // As HttpClient refuses it on the YARP path: nothing goes upstream, the client gets a 400.
            return Report(context, ForwarderError.RequestCreation, new ArgumentException("The client's Host cannot be sent upstream: not a host name or address with a port up to 65535."));
        }

        var connection = pool.TryRent();
        var reused = connection is not null;
        while (true)
        {
            if (connection is null)
            {
                try
                {
                    connection = await pool.AcquireAsync(options.ConnectTimeout, perTry, context.RequestAborted);
                }
                catch (OperationCanceledException e)
                {
                    return Report(context, ForwarderError.RequestCanceled, e);
                }
                catch (System.Net.Sockets.SocketException e)
                {
                    return Report(context, ForwarderError.Request, e);
                }
            }

            var outcome = await ExchangeAsync(context, options, pool, connection, reused, perTry);
            if (!outcome.Stale)
            {
                return outcome.Error;
            }

            // The destination had closed the kept connection before it read the request (nothing of a response
            // came, the request has no body and is idempotent): once more, on a fresh connection.
            connection = null;
            reused = false;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<Outcome> ExchangeAsync(
        HttpContext context, ServiceOptions options, UpstreamPool pool, UpstreamConnection connection, bool reused, CancellationToken perTry)
    {
        var attempt = context.Features.Get<ForwardAttempt>();
        var request = context.Request;
        var keep = false;
        connection.Begin(options.RequestTimeout);
        var perTryRegistration = perTry.CanBeCanceled
            ? perTry.UnsafeRegister(static state => ((UpstreamConnection)state!).Cancel(CancelReason.PerTry), connection)
            : default;
        var abortRegistration = context.RequestAborted.UnsafeRegister(static state => ((UpstreamConnection)state!).Cancel(CancelReason.ClientAborted), connection);
        try
        {
            var framing = RequestHeadWriter.Write(connection.Output, context, pool.HostField, options.PreserveHost, attempt?.Client ?? default);
            var mayRetryStale = reused && framing == RequestFraming.None && IsIdempotent(request.Method);
            var flush = await connection.Output.FlushAsync();
            if (flush.IsCanceled)
            {
                return new(Cancelled(context, connection), false);
            }

            if (flush.IsCompleted)
            {
                return mayRetryStale ? new(default, true) : new(Report(context, ForwarderError.Request, new IOException("The upstream closed the connection.")), false);
            }

            if (framing != RequestFraming.None)
            {
                // The body goes whole before the response is read, as HttpClient sends an HTTP/1.1 request: a client
                // body that fails (too slow, cut, too large) is answered as the YARP path answers it.
                var (bodyError, bodyException) = await RequestBody.SendAsync(request.Body, connection, framing == RequestFraming.Chunked, options.RequestTimeout);
                if (bodyError != ForwarderError.None)
                {
                    return new(bodyError == ForwarderError.RequestCanceled ? Cancelled(context, connection) : Report(context, bodyError, bodyException), false);
                }
            }

            var head = await ReadHeadAsync(connection, HttpMethods.IsHead(request.Method));
            if (head.Error is { } headError)
            {
                return head.NothingCame && mayRetryStale && headError != ForwarderError.RequestCanceled
                    ? new(default, true)
                    : new(headError == ForwarderError.RequestCanceled ? Cancelled(context, connection) : Report(context, headError, head.Exception), false);
            }

            (var error, keep) = await RespondAsync(context, connection, attempt, head.Valid, options.RequestTimeout);
            return new(error, false);
        }
        finally
        {
            perTryRegistration.Dispose();
            abortRegistration.Dispose();
            var clean = connection.End();
            if (keep && clean)
            {
                pool.Return(connection);
            }
            else
            {
                pool.Close(connection);
            }
        }
    }

    /// <summary>
    /// After a response head came: a broken one is a 502 (nothing of it reaches the client), a status the attempt holds
    /// back for a retry is dropped, anything else is relayed. True with the error when the connection may be pooled.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<(ForwarderError Error, bool Reusable)> RespondAsync(
        HttpContext context, UpstreamConnection connection, ForwardAttempt? attempt, bool valid, TimeSpan activityTimeout)
    {
        if (!valid || IsBroken(connection.Head) || !ResponseHead.TryCopy(context.Response, connection.Head, connection.Strings))
        {
            // The upstream's fault: the client gets a 502 (or a retry elsewhere).
            attempt?.OnInvalidResponse();
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return (ForwarderError.None, false);
        }

        if (attempt is not null && attempt.OnResponseHeaders(connection.Head.StatusCode))
        {
            context.Response.Clear();
            return (ForwarderError.None, false);
        }

        var relayed = await ResponseBody.RelayAsync(context, connection, activityTimeout);
        return relayed.Error != ForwarderError.None
            ? (Report(context, relayed.Error, relayed.Exception), false)
            : (ForwarderError.None, relayed.Reusable && connection.Head.KeepAlive);
    }

    /// <summary>The result of waiting for a response head.</summary>
    private readonly record struct HeadRead(ForwarderError? Error, Exception? Exception, bool NothingCame, bool Valid);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<HeadRead> ReadHeadAsync(UpstreamConnection connection, bool requestWasHead)
    {
        var input = connection.Input;
        var nothingCame = true;
        while (true)
        {
            ReadResult read;
            try
            {
                read = await input.ReadAsync();
            }
            catch (Exception e) when (IsConnectionFailure(e))
            {
                return new(ForwarderError.Request, e, nothingCame, false);
            }

            if (read.IsCanceled)
            {
                return new(ForwarderError.RequestCanceled, null, nothingCame, false);
            }

            var buffer = read.Buffer;
            nothingCame &= buffer.IsEmpty;
            var parsed = connection.Parser.Parse(buffer, connection.Head, requestWasHead);
            switch (parsed.Status)
            {
                case Http1ParseStatus.NeedMoreData when read.IsCompleted:
                    input.AdvanceTo(buffer.End);
                    return new(ForwarderError.Request, new IOException("The upstream closed the connection before the response head ended."), nothingCame, false);
                case Http1ParseStatus.NeedMoreData:
                    input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                case Http1ParseStatus.Complete:
                    input.AdvanceTo(buffer.GetPosition(parsed.Consumed));
                    if (connection.Head.IsInterim)
                    {
                        continue;
                    }

                    return new(null, null, false, true);
                default:
                    input.AdvanceTo(buffer.Start);
                    return new(null, null, false, false);
            }
        }
    }

    /// <summary>
    /// A response no client may get (RFC 9110): a <c>101</c> (the fast engine never asks for an upgrade), a
    /// <c>204</c> that declares content.
    /// </summary>
    private static bool IsBroken(Http1ResponseHead head)
    {
        if (head.StatusCode == StatusCodes.Status101SwitchingProtocols)
        {
            return true;
        }

        if (head.StatusCode != StatusCodes.Status204NoContent)
        {
            return false;
        }

        var length = head.IndexOf(Http1KnownHeader.ContentLength);
        return head.IndexOf(Http1KnownHeader.TransferEncoding) >= 0 || (length >= 0 && !head.ValueAt(length).SequenceEqual("0"u8));
    }

    private static ForwarderError Cancelled(HttpContext context, UpstreamConnection connection) => connection.Cancelled switch
    {
        CancelReason.Activity => Report(context, ForwarderError.RequestTimedOut, new TimeoutException("The upstream stayed silent past RequestTimeout.")),
        _ => Report(context, ForwarderError.RequestCanceled, null),
    };

    /// <summary>
    /// Records the error as YARP does (<see cref="IForwarderErrorFeature"/>, for the classifier and the access log)
    /// and answers as YARP answers it: 502, 504 for a timeout, 400 when the client went away or sent a broken body
    /// (Kestrel's status for it); a response already started is aborted, so the client never takes a cut message
    /// for a whole one.
    /// </summary>
    private static ForwarderError Report(HttpContext context, ForwarderError error, Exception? exception)
    {
        if (error == ForwarderError.None)
        {
            return error;
        }

        context.Features.Set<IForwarderErrorFeature>(new EngineError(error, exception));
        var response = context.Response;
        if (response.HasStarted)
        {
            context.Abort();
            return error;
        }

        response.Clear();
        response.StatusCode = error switch
        {
            ForwarderError.RequestTimedOut => StatusCodes.Status504GatewayTimeout,
            ForwarderError.RequestCanceled when context.RequestAborted.IsCancellationRequested => StatusCodes.Status400BadRequest,
            ForwarderError.RequestBodyClient => exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status400BadRequest,
            _ => StatusCodes.Status502BadGateway,
        };
        return error;
    }

    /// <summary>A Host an upstream request may carry (<c>PreserveHost</c>): a DNS name or an address, and a port up to 65535.</summary>
    internal static bool IsCarriableHost(string host)
    {
        var span = host.AsSpan();
        ReadOnlySpan<char> name;
        ReadOnlySpan<char> port;
        if (span.StartsWith('['))
        {
            var end = span.IndexOf(']');
            if (end < 0 || !System.Net.IPAddress.TryParse(span[1..end], out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return false;
            }

            port = span[(end + 1)..];
            if (!port.IsEmpty && port[0] != ':')
            {
                return false;
            }

            port = port.IsEmpty ? port : port[1..];
            name = default;
        }
        else
        {
            var colon = span.IndexOf(':');
            name = colon < 0 ? span : span[..colon];
            port = colon < 0 ? default : span[(colon + 1)..];
            if (Uri.CheckHostName(name.ToString()) is UriHostNameType.Unknown or UriHostNameType.IPv6)
            {
                return false;
            }
        }

        return port.IsEmpty
            ? !span.EndsWith(':')
            : port.Length <= 5 && !port.ContainsAnyExceptInRange('0', '9') && int.Parse(port, CultureInfo.InvariantCulture) <= 65535;
    }

    private static bool IsIdempotent(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) ||
        HttpMethods.IsTrace(method) || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method);

    internal static bool IsConnectionFailure(Exception e) =>
        e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or InvalidOperationException or ConnectionAbortedException;

    private sealed class EngineError(ForwarderError error, Exception? exception) : IForwarderErrorFeature
    {
        public ForwarderError Error { get; } = error;

        public Exception? Exception { get; } = exception;
    }
}

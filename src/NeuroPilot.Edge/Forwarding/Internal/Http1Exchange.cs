using System.Globalization;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Failover;
using NeuroPilot.Edge.Http1;
using Yarp.ReverseProxy.Forwarder;

namespace NeuroPilot.Edge.Forwarding.Internal;

/// <summary>
/// The fast engine's request over one upstream connection, the pieces <see cref="ExchangeOperation"/> chains: the
/// response head parsed strictly, the attempt told (it may hold the status back for a retry), the head and body
/// relayed into Kestrel's response; a malformed response is a 502 and its connection is closed. Failures are
/// reported as YARP reports them.
/// </summary>
internal static class Http1Exchange
{
    /// <summary>
    /// Forwards the request on a kept connection when one is idle (no allocation: <see cref="ExchangeOperation"/>),
    /// else on a new one.
    /// </summary>
    public static ValueTask<ForwarderError> RunAsync(HttpContext context, ServiceOptions options, UpstreamPool pool, CancellationToken perTry)
    {
        if (options.PreserveHost && context.Request.Host.HasValue && !IsCarriableHost(context.Request.Host.Value))
        {
            // As HttpClient refuses it on the YARP path: nothing goes upstream, the client gets a 400.
            return ValueTask.FromResult(Report(context, ForwarderError.RequestCreation, new ArgumentException("The client's Host cannot be sent upstream: not a host name or address with a port up to 65535.")));
        }

        return pool.TryRent() is { } kept
            ? ExchangeOperation.Start(context, options, pool, kept, reused: true, perTry)
            : ConnectThenExchangeAsync(context, options, pool, perTry);
    }

    /// <summary>A request on a new connection (none idle, or the kept one was stale): the connect, then the exchange.</summary>
    internal static async ValueTask<ForwarderError> ConnectThenExchangeAsync(HttpContext context, ServiceOptions options, UpstreamPool pool, CancellationToken perTry)
    {
        UpstreamConnection connection;
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

        return await ExchangeOperation.Start(context, options, pool, connection, reused: false, perTry);
    }

    /// <summary>The error of a request that got no response head, reported as YARP reports it (already reported: returned as it is).</summary>
    internal static ForwarderError ReportHeadError(HttpContext context, UpstreamConnection connection, HeadRead head) => head switch
    {
        { Reported: true } => head.Error!.Value,
        { Error: ForwarderError.RequestCanceled } => Cancelled(context, connection),
        _ => Report(context, head.Error!.Value, head.Exception ?? new IOException("The upstream closed the connection.")),
    };

    /// <summary>
    /// After a response head came: a broken one is a 502 (nothing of it reaches the client), a status the attempt holds
    /// back for a retry is dropped, anything else is relayed. True with the error when the connection may be pooled.
    /// </summary>
    internal static async ValueTask<(ForwarderError Error, bool Reusable)> RespondAsync(
        HttpContext context, UpstreamConnection connection, ForwardAttempt? attempt, bool valid)
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

        var relayed = await ResponseBody.RelayAsync(context, connection);
        return relayed.Error != ForwarderError.None
            ? (Report(context, relayed.Error, relayed.Exception), false)
            : (ForwarderError.None, relayed.Reusable && connection.Head.KeepAlive);
    }

    /// <summary>The result of waiting for a response head: an error (with <see cref="NothingCame"/>), or a head, valid or not.</summary>
    internal readonly record struct HeadRead(ForwarderError? Error, Exception? Exception, bool NothingCame, bool Valid)
    {
        /// <summary>The error was reported (feature and status set) where it was found.</summary>
        public bool Reported { get; init; }
    }

    /// <summary>One read's worth of parsing: the head's outcome, or null when more bytes are needed.</summary>
    internal static HeadRead? ParseHead(UpstreamConnection connection, in ReadResult read, bool requestWasHead, ref bool nothingCame)
    {
        var input = connection.Input;
        if (read.IsCanceled)
        {
            return new(ForwarderError.RequestCanceled, null, nothingCame, false);
        }

        var buffer = read.Buffer;
        while (true)
        {
            nothingCame &= buffer.IsEmpty;
            var parsed = connection.Parser.Parse(buffer, connection.Head, requestWasHead);
            switch (parsed.Status)
            {
                case Http1ParseStatus.NeedMoreData when read.IsCompleted:
                    input.AdvanceTo(buffer.End);
                    return new(ForwarderError.Request, new IOException("The upstream closed the connection before the response head ended."), nothingCame, false);
                case Http1ParseStatus.NeedMoreData:
                    input.AdvanceTo(buffer.Start, buffer.End);
                    return null;
                case Http1ParseStatus.Complete when connection.Head.IsInterim:
                    // A 1xx (100 Continue, 103 Early Hints) is dropped: the final head follows.
                    buffer = buffer.Slice(parsed.Consumed);
                    continue;
                case Http1ParseStatus.Complete:
                    input.AdvanceTo(buffer.GetPosition(parsed.Consumed));
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

    internal static ForwarderError Cancelled(HttpContext context, UpstreamConnection connection) => connection.Cancelled switch
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
    internal static ForwarderError Report(HttpContext context, ForwarderError error, Exception? exception)
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

    internal static bool IsIdempotent(string method) =>
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

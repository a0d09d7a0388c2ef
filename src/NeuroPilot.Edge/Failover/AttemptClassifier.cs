using System.Net.Sockets;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace NeuroPilot.Edge.Failover;

/// <summary>Turns what YARP's forwarder reports about one attempt into an <see cref="AttemptResult"/>.</summary>
public static class AttemptClassifier
{
    public static AttemptResult Classify(HttpContext context, ForwarderError error, ForwardAttempt attempt, CircuitBreakerOptions breaker)
    {
        if (error == ForwarderError.None)
        {
            if (attempt.InvalidResponse)
            {
                return AttemptResult.InvalidResponse;
            }

            if (attempt.InterceptedStatus != 0)
            {
                return AttemptResult.FailureStatus;
            }

            return Contains(breaker.FailureStatusCodes, context.Response.StatusCode) ? AttemptResult.FailureStatus : AttemptResult.Success;
        }

        if (context.RequestAborted.IsCancellationRequested)
        {
            return AttemptResult.ClientFailure;
        }

        switch (error)
        {
            case ForwarderError.RequestCanceled:
            case ForwarderError.RequestBodyCanceled:
                return attempt.PerTryTimedOut ? AttemptResult.PerTryTimeout : AttemptResult.ClientFailure;
            case ForwarderError.RequestTimedOut:
                return attempt.HeadersReceived ? AttemptResult.ResponseFailure
                    : IsConnectTimeout(context) ? AttemptResult.ConnectFailure : AttemptResult.Timeout;
            case ForwarderError.RequestCreation:
                // The outgoing request could not be built from what the client sent; nothing went upstream.
                return AttemptResult.RequestRejected;
            case ForwarderError.Request:
                return IsConnectFailure(context) ? AttemptResult.ConnectFailure : AttemptResult.Reset;
            case ForwarderError.RequestBodyDestination:
            case ForwarderError.ResponseHeaders:
                return AttemptResult.Reset;
            case ForwarderError.ResponseBodyDestination:
            case ForwarderError.UpgradeRequestDestination:
            case ForwarderError.UpgradeResponseDestination:
                return AttemptResult.ResponseFailure;
            default:
                return AttemptResult.ClientFailure;
        }
    }

    /// <summary>Whether a failure of this kind may be retried on another destination (if the request allows it).</summary>
    public static bool IsRetryable(AttemptResult result) => result is
        AttemptResult.ConnectFailure or AttemptResult.Reset or AttemptResult.PerTryTimeout or
        AttemptResult.Timeout or AttemptResult.FailureStatus or AttemptResult.InvalidResponse;

    /// <summary>Whether the outcome says something about the upstream (and so feeds its breaker).</summary>
    public static bool IsUpstreamsDoing(AttemptResult result) => result is not (AttemptResult.ClientFailure or AttemptResult.RequestRejected);

    /// <summary>
    /// The status a client gets for a request the edge could not build: 501 for a method it cannot forward
    /// (CONNECT), 400 for anything else it sent that the outgoing request cannot carry.
    /// </summary>
    public static int RejectionStatus(HttpContext context) =>
        context.Features.Get<IForwarderErrorFeature>()?.Exception is NotSupportedException
            ? StatusCodes.Status501NotImplemented
            : StatusCodes.Status400BadRequest;

    private static bool IsConnectFailure(HttpContext context)
    {
        for (var e = context.Features.Get<IForwarderErrorFeature>()?.Exception; e is not null; e = e.InnerException)
        {
            // SecureConnectionError: the TLS handshake failed (a destination certificate UpstreamTls refused): no
            // byte of the request left the edge, as with a refused connection.
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError } ||
                e is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.TimedOut })
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsConnectTimeout(HttpContext context)
    {
        for (var e = context.Features.Get<IForwarderErrorFeature>()?.Exception; e is not null; e = e.InnerException)
        {
            if (e is TimeoutException || e.Message.Contains("ConnectTimeout", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Contains(IReadOnlyList<int> codes, int code)
    {
        for (var i = 0; i < codes.Count; i++)
        {
            if (codes[i] == code)
            {
                return true;
            }
        }

        return false;
    }
}

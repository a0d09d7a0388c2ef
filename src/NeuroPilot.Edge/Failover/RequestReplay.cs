using Microsoft.AspNetCore.Http.Features;
using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Failover;

/// <summary>
/// Decides whether a request may be sent a second time, and makes its body replayable when it can be. Replayed:
/// idempotent methods (GET, HEAD, OPTIONS, TRACE, PUT, DELETE; POST and PATCH only with
/// <c>Retry.RetryNonIdempotent</c>) whose body is empty or small enough to buffer (<c>Retry.BufferLimitBytes</c>).
/// A streamed body is never replayed.
/// </summary>
public static class RequestReplay
{
    public static bool Prepare(HttpContext context, RetryOptions retry)
    {
        if (retry.MaxAttempts <= 1)
        {
            return false;
        }

        var request = context.Request;
        var method = request.Method;
        var idempotent = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) ||
                         HttpMethods.IsTrace(method) || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method);
        if (!idempotent && !retry.RetryNonIdempotent)
        {
            return false;
        }

        if (context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false } || request.ContentLength == 0)
        {
            return true;
        }

        if (request.ContentLength is { } length && length <= retry.BufferLimitBytes)
        {
            request.EnableBuffering(bufferThreshold: retry.BufferLimitBytes, bufferLimit: retry.BufferLimitBytes);
            return true;
        }

        return false;
    }

    /// <summary>Puts the request and response back as they were before the failed attempt.</summary>
    public static void Rewind(HttpContext context)
    {
        var body = context.Request.Body;
        if (body.CanSeek)
        {
            body.Position = 0;
        }

        context.Response.Clear();
        context.Features.Set<Yarp.ReverseProxy.Forwarder.IForwarderErrorFeature>(null);
    }
}

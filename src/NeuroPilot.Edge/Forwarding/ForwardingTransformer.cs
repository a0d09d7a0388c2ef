using Microsoft.AspNetCore.Http;
using NeuroPilot.Edge.Failover;
using Yarp.ReverseProxy.Forwarder;

namespace NeuroPilot.Edge.Forwarding;

/// <summary>
/// Copies the request as YARP does (hop-by-hop headers dropped, <c>traceparent</c> passed through) and appends
/// <c>X-Forwarded-For</c>, sets <c>X-Forwarded-Proto</c> and <c>X-Forwarded-Host</c>. The upstream sees its own
/// host in <c>Host</c> unless the service sets <c>PreserveHost</c>.
/// </summary>
public sealed class ForwardingTransformer : HttpTransformer
{
    public static readonly ForwardingTransformer Standard = new(preserveHost: false);
    public static readonly ForwardingTransformer PreservingHost = new(preserveHost: true);

    private const string ForwardedFor = "X-Forwarded-For";
    private const string ForwardedProto = "X-Forwarded-Proto";
    private const string ForwardedHost = "X-Forwarded-Host";

    private readonly bool _preserveHost;

    private ForwardingTransformer(bool preserveHost) => _preserveHost = preserveHost;

    public override async ValueTask TransformRequestAsync(
        HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);

        var request = httpContext.Request;
        var headers = proxyRequest.Headers;
        RemoveConnectionNominated(request, proxyRequest);
        headers.Remove(ForwardedFor);
        headers.Remove(ForwardedProto);
        headers.Remove(ForwardedHost);

        var clientIp = httpContext.Connection.RemoteIpAddress?.ToString();
        var priorFor = request.Headers[ForwardedFor];
        if (clientIp is not null)
        {
            headers.TryAddWithoutValidation(ForwardedFor, priorFor.Count == 0 ? clientIp : $"{priorFor}, {clientIp}");
        }
        else if (priorFor.Count > 0)
        {
            headers.TryAddWithoutValidation(ForwardedFor, priorFor.ToString());
        }

        headers.TryAddWithoutValidation(ForwardedProto, request.Scheme);
        if (request.Host.HasValue)
        {
            headers.TryAddWithoutValidation(ForwardedHost, request.Host.Value);
        }

        headers.Host = _preserveHost && request.Host.HasValue ? request.Host.Value : null;
    }

    /// <summary>
    /// Headers named in the client's <c>Connection</c> header are hop-by-hop (RFC 9110 7.6.1) and stop here.
    /// Common values (<c>keep-alive</c>, <c>close</c>, <c>upgrade</c>) take the fast path.
    /// </summary>
    private static void RemoveConnectionNominated(HttpRequest request, HttpRequestMessage proxyRequest)
    {
        var connection = request.Headers.Connection;
        if (connection.Count == 0)
        {
            return;
        }

        foreach (var value in connection)
        {
            foreach (var range in value.AsSpan().Split(','))
            {
                var token = value.AsSpan()[range].Trim();
                if (token.Length == 0 || token.Equals("keep-alive", StringComparison.OrdinalIgnoreCase) ||
                    token.Equals("close", StringComparison.OrdinalIgnoreCase) || token.Equals("upgrade", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                var name = token.ToString();
                proxyRequest.Headers.Remove(name);
                proxyRequest.Content?.Headers.Remove(name);
            }
        }
    }

    /// <summary>
    /// Tells the attempt that headers came (breaker latency, stall detection, per-try timeout off) and holds back a
    /// retryable failure status so that the request can be retried elsewhere before anything reaches the client.
    /// </summary>
    public override ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is not null && httpContext.Features.Get<ForwardAttempt>() is { } attempt &&
            attempt.OnResponseHeaders((int)proxyResponse.StatusCode))
        {
            return new ValueTask<bool>(false);
        }

        return base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
    }
}

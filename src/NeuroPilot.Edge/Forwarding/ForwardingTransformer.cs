using NeuroPilot.Edge.Failover;
using NeuroPilot.Edge.Forwarding.Internal;
using Yarp.ReverseProxy.Forwarder;

namespace NeuroPilot.Edge.Forwarding;

/// <summary>
/// Copies the request as YARP does (hop-by-hop headers dropped, <c>traceparent</c> passed through) and says who the
/// client is (<see cref="ClientIdentity.ClientAddressResolver"/>): <c>X-Real-IP</c> is the client, <c>X-Forwarded-For</c>
/// the chain up to the edge. From a client that is not a trusted proxy, what it sent in these headers and in the
/// other headers upstreams read a client's identity from (<c>Forwarded</c>, <c>X-Forwarded-Port</c>,
/// <c>CF-Connecting-IP</c>...) is dropped and <c>X-Forwarded-For</c>, <c>X-Forwarded-Proto</c> and
/// <c>X-Forwarded-Host</c> are set from the connection; from a trusted proxy they pass on, the proxy's address
/// appended to <c>X-Forwarded-For</c>. The upstream sees its own host in <c>Host</c> unless the service sets
/// <c>PreserveHost</c>.
/// </summary>
public sealed class ForwardingTransformer : HttpTransformer
{
    public static readonly ForwardingTransformer Standard = new(preserveHost: false);
    public static readonly ForwardingTransformer PreservingHost = new(preserveHost: true);

    private static readonly string[] ContentHeaders =
    [
        "Allow", "Content-Disposition", "Content-Encoding", "Content-Language", "Content-Location", "Content-MD5",
        "Content-Range", "Content-Type", "Expires", "Last-Modified",
    ];

    private readonly bool _preserveHost;

    private ForwardingTransformer(bool preserveHost) => _preserveHost = preserveHost;

    public override async ValueTask TransformRequestAsync(
        HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);

        var request = httpContext.Request;
        var headers = proxyRequest.Headers;
        RemoveConnectionNominated(request, proxyRequest);
        var client = httpContext.Features.Get<ForwardAttempt>()?.Client ?? default;
        foreach (var (name, _) in request.Headers)
        {
            if (ForwardedIdentity.IsReplaced(name, client.FromTrustedProxy))
            {
                headers.Remove(name);
            }
        }

        var identity = ForwardedIdentity.Of(httpContext, client);
        AddIfSet(headers, ForwardedIdentity.ForwardedFor, identity.ForwardedFor);
        AddIfSet(headers, ForwardedIdentity.ForwardedProto, identity.Proto);
        AddIfSet(headers, ForwardedIdentity.ForwardedHost, identity.Host);
        AddIfSet(headers, ForwardedIdentity.RealIp, identity.RealIp);
        headers.Host = _preserveHost && request.Host.HasValue ? request.Host.Value : null;
    }

    private static void AddIfSet(System.Net.Http.Headers.HttpRequestHeaders headers, string name, string? value)
    {
        if (value is not null)
        {
            headers.TryAddWithoutValidation(name, value);
        }
    }

    /// <summary>
    /// Headers named in the client's <c>Connection</c> header are hop-by-hop (RFC 9110 7.6.1) and stop here.
    /// Common values (<c>keep-alive</c>, <c>close</c>, <c>upgrade</c>) take the fast path. A nomination of a header that
    /// frames the message (<c>Content-Length</c>, <c>Transfer-Encoding</c>) is ignored: the body is forwarded as
    /// framed, never re-framed on a client's say-so.
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
                if (ForwardedIdentity.IsConnectionOption(token) || token.Equals("content-length", StringComparison.OrdinalIgnoreCase) ||
                    token.Equals("transfer-encoding", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                var name = token.ToString();
                if (IsContentHeader(name))
                {
                    proxyRequest.Content?.Headers.Remove(name);
                }
                else
                {
                    proxyRequest.Headers.Remove(name);
                }
            }
        }
    }

    /// <summary>
    /// Tells the attempt that headers came (breaker latency, stall detection, per-try timeout off), refuses a response
    /// that breaks HTTP, holds back a retryable failure status so that the request can be retried elsewhere before
    /// anything reaches the client, and drops the response headers the upstream's <c>Connection</c> nominates.
    /// </summary>
    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is null)
        {
            return await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        }

        var attempt = httpContext.Features.Get<ForwardAttempt>();
        if (IsBroken(proxyResponse))
        {
            // The upstream's fault: nothing of it reaches the client, which gets a 502 (or a retry elsewhere).
            attempt?.OnInvalidResponse();
            httpContext.Response.StatusCode = StatusCodes.Status502BadGateway;
            return false;
        }

        if (attempt is not null && attempt.OnResponseHeaders((int)proxyResponse.StatusCode))
        {
            return false;
        }

        var copyBody = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        RemoveConnectionNominated(proxyResponse, httpContext.Response);
        return copyBody;
    }

    /// <summary>
    /// A response no client may get (RFC 9110): a <c>101</c> to a request that asked for no upgrade, a <c>204</c> that
    /// declares content, any other 1xx as final response.
    /// </summary>
    private static bool IsBroken(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        if (status >= 200 && status != StatusCodes.Status204NoContent)
        {
            return false;
        }

        if (status == StatusCodes.Status101SwitchingProtocols)
        {
            return response.RequestMessage?.Headers.NonValidated.Contains("Upgrade") != true;
        }

        if (status < 200)
        {
            return true;
        }

        return response.Headers.NonValidated.Contains("Transfer-Encoding") ||
               (response.Content.Headers.NonValidated.TryGetValues("Content-Length", out var length) && length.ToString() != "0");
    }

    /// <summary>Headers named in the upstream's <c>Connection</c> header are hop-by-hop too (RFC 9110 7.6.1).</summary>
    private static void RemoveConnectionNominated(HttpResponseMessage proxyResponse, HttpResponse response)
    {
        if (!proxyResponse.Headers.NonValidated.TryGetValues("Connection", out var values))
        {
            return;
        }

        foreach (var value in values)
        {
            foreach (var range in value.AsSpan().Split(','))
            {
                var token = value.AsSpan()[range].Trim();
                if (!ForwardedIdentity.IsConnectionOption(token))
                {
                    response.Headers.Remove(token.ToString());
                }
            }
        }
    }

    /// <summary>Headers that <see cref="HttpClient"/> keeps on the content, not on the request (removing them there throws).</summary>
    private static bool IsContentHeader(string name)
    {
        foreach (var known in ContentHeaders)
        {
            if (name.Equals(known, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}

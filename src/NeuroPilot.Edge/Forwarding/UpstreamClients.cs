using System.Collections.Concurrent;
using System.Net;
using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Forwarding;

/// <summary>
/// The HTTP clients towards upstreams, one per distinct connection setting, kept across reloads so a reload does
/// not throw away warm keep-alive connections. A client no longer used by any table is left to the GC: requests
/// still in flight on it finish, and its idle connections close by themselves.
/// </summary>
public sealed class UpstreamClients
{
    private readonly ConcurrentDictionary<(TimeSpan ConnectTimeout, int MaxConnections), HttpMessageInvoker> _clients = new();

    public HttpMessageInvoker Get(ServiceOptions service) =>
        _clients.GetOrAdd((service.ConnectTimeout, service.MaxConnectionsPerDestination), Create);

    private static HttpMessageInvoker Create((TimeSpan ConnectTimeout, int MaxConnections) settings)
    {
        var (connectTimeout, maxConnections) = settings;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = connectTimeout,
            MaxConnectionsPerServer = maxConnections,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),

            // The client's traceparent/tracestate headers are copied through unchanged by the transformer;
            // no propagator, so the edge neither rewrites nor duplicates them.
            ActivityHeadersPropagator = null,
        };
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }
}

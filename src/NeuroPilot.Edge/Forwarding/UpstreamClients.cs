using System.Collections.Concurrent;
using System.Net;
using System.Text;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Tls;

namespace NeuroPilot.Edge.Forwarding;

/// <summary>
/// The HTTP clients towards upstreams, one per distinct connection setting, kept across reloads so a reload does
/// not throw away warm keep-alive connections. A client no longer used by any table is left to the GC: requests
/// still in flight on it finish, and its idle connections close by themselves. A service with <c>UpstreamTls</c>
/// gets a client whose TLS callbacks read that setting's current files (<see cref="UpstreamTlsMaterial"/>): renewed
/// files reach new connections without a new client.
/// </summary>
public sealed class UpstreamClients(UpstreamTlsMaterials? tls = null)
{
    private readonly ConcurrentDictionary<(TimeSpan ConnectTimeout, int MaxConnections, UpstreamTlsMaterial? Tls), HttpMessageInvoker> _clients = new();

    public HttpMessageInvoker Get(ServiceOptions service) =>
        _clients.GetOrAdd((service.ConnectTimeout, service.MaxConnectionsPerDestination, tls?.Get(service)), Create);

    private static HttpMessageInvoker Create((TimeSpan ConnectTimeout, int MaxConnections, UpstreamTlsMaterial? Tls) settings)
    {
        var (connectTimeout, maxConnections, material) = settings;
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

            // Kestrel reads the client's field values as UTF-8; writing them back as UTF-8 sends the upstream the
            // client's own bytes. HttpClient's default (ASCII only) failed such a request with a 502 that counted
            // against the destination's breaker, so a client could open it (EngineDifferentialTests).
            RequestHeaderEncodingSelector = static (_, _) => Encoding.UTF8,
        };
        if (material is not null)
        {
            // A refused certificate fails the connection attempt: the forwarder sees a TLS connect failure.
            handler.SslOptions = material.CreateSslOptions(onRejected: null);
        }

        return new HttpMessageInvoker(handler, disposeHandler: true);
    }
}

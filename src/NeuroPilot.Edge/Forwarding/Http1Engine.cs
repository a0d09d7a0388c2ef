using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Forwarding.Internal;
using NeuroPilot.Edge.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace NeuroPilot.Edge.Forwarding;

/// <summary>
/// The fast engine (<c>Edge.Engine: fast</c>): HTTP/1.x requests to plain-http destinations go over pooled
/// keep-alive HTTP/1.1 connections on Kestrel's socket transport (System.IO.Pipelines on both legs), the request
/// head written straight into the pipe, the response parsed with the strict <see cref="Http1.Http1ResponseParser"/>
/// (see <see cref="Internal.Http1Exchange"/>). Everything else (HTTP/2 clients, upgrades and CONNECT,
/// <c>https://</c> destinations, <c>UpstreamHttpVersion: http2</c>) goes to the fallback, YARP. One sweep for all
/// destinations cancels exchanges whose upstream stayed silent past <c>RequestTimeout</c> (every 250 ms) and closes
/// connections idle past <see cref="UpstreamPool.IdleTimeout"/>: no timer is touched per request.
/// </summary>
public sealed class Http1Engine : IForwardingEngine, IDisposable
{
    /// <summary>How often silent upstreams are looked for (the precision of <c>RequestTimeout</c> on this engine).</summary>
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Idle connections are looked at every this many sweeps (10 s).</summary>
    private const int IdleSweepEvery = 40;

    private readonly IForwardingEngine _fallback;
    private readonly TimeProvider _time;
    private readonly SocketConnectionContextFactory _sockets;
    private readonly ConcurrentDictionary<string, UpstreamPool> _pools = new(StringComparer.Ordinal);
    private readonly ITimer _sweep;
    private int _sweeps;

    /// <param name="fallback">The engine for what this one does not cover (YARP).</param>
    /// <param name="time">The clock of the sweep.</param>
    /// <param name="inline">
    /// Upstream connections run the exchange on the socket's event thread rather than handing it to an I/O queue
    /// (<see cref="IoScheduling.Inline"/>).
    /// </param>
    /// <param name="logger">The socket transport's logger.</param>
    public Http1Engine(IForwardingEngine fallback, TimeProvider time, bool inline, ILogger<Http1Engine> logger)
    {
        _fallback = fallback;
        _time = time;
        _sockets = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions { UnsafePreferInlineScheduling = inline }, logger);
        _sweep = time.CreateTimer(static state => ((Http1Engine)state!).Sweep(), this, SweepInterval, SweepInterval);
    }

    public ValueTask<ForwarderError> SendAsync(HttpContext context, ServiceRoute service, DestinationState destination, CancellationToken cancellationToken) =>
        Covers(context, service.Options, destination.Url)
            ? Http1Exchange.RunAsync(context, service.Options, PoolFor(destination, service.Options), cancellationToken)
            : _fallback.SendAsync(context, service, destination, cancellationToken);

    /// <summary>Whether the fast engine forwards this request (else YARP does).</summary>
    public static bool Covers(HttpContext context, ServiceOptions service, Uri destination)
    {
        var request = context.Request;
        return destination.Scheme == Uri.UriSchemeHttp &&
               service.UpstreamHttpVersion != UpstreamHttpVersion.Http2 &&
               (HttpProtocol.IsHttp11(request.Protocol) || HttpProtocol.IsHttp10(request.Protocol)) &&
               !HttpMethods.IsConnect(request.Method) &&
               context.Features.Get<IHttpUpgradeFeature>() is not { IsUpgradableRequest: true };
    }

    public void Dispose()
    {
        _sweep.Dispose();
        foreach (var pool in _pools.Values)
        {
            pool.Sweep(closeAll: true);
        }

        _sockets.Dispose();
    }

    private UpstreamPool PoolFor(DestinationState destination, ServiceOptions service) =>
        _pools.TryGetValue(destination.Prefix, out var pool)
            ? pool
            : _pools.GetOrAdd(destination.Prefix, static (_, state) => new UpstreamPool(state.Url, state.Max, state.Sockets, state.Time),
                (destination.Url, Max: service.MaxConnectionsPerDestination, Sockets: _sockets, Time: _time));

    private void Sweep()
    {
        var idle = ++_sweeps % IdleSweepEvery == 0;
        foreach (var pool in _pools.Values)
        {
            pool.CancelSilent();
            if (idle)
            {
                pool.Sweep(closeAll: false);
            }
        }
    }
}

using NeuroPilot.Edge.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace NeuroPilot.Edge.Forwarding;

/// <summary>
/// Forwarding with YARP's <see cref="IHttpForwarder"/> (HttpClient towards the destination, <see cref="ForwardingTransformer"/>
/// for the headers): every protocol the edge speaks (HTTP/2 clients and upstreams, upgrades, TLS upstreams). The
/// engine for everything under <c>Edge.Engine: yarp</c>, and the fast engine's fallback.
/// </summary>
public sealed class YarpEngine(IHttpForwarder forwarder) : IForwardingEngine
{
    public ValueTask<ForwarderError> SendAsync(HttpContext context, ServiceRoute service, DestinationState destination, CancellationToken cancellationToken) =>
        forwarder.SendAsync(
            context,
            destination.Prefix,
            service.Client,
            service.RequestConfig,
            service.Options.PreserveHost ? ForwardingTransformer.PreservingHost : ForwardingTransformer.Standard,
            cancellationToken);
}

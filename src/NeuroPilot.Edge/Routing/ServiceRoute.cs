using NeuroPilot.Edge.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace NeuroPilot.Edge.Routing;

/// <summary>A service in the routing table: its regions in priority order and how to reach them.</summary>
public sealed class ServiceRoute
{
    public ServiceRoute(ServiceOptions options, RegionRoute[] regions, HttpMessageInvoker client)
    {
        Options = options;
        Name = options.Name;
        Regions = regions;
        Client = client;
        RequestConfig = new ForwarderRequestConfig
        {
            ActivityTimeout = options.RequestTimeout,
            Version = options.UpstreamHttpVersion == UpstreamHttpVersion.Http11 ? System.Net.HttpVersion.Version11 : System.Net.HttpVersion.Version20,
            VersionPolicy = options.UpstreamHttpVersion == UpstreamHttpVersion.Http2
                ? HttpVersionPolicy.RequestVersionExact
                : HttpVersionPolicy.RequestVersionOrLower,
        };
    }

    public string Name { get; }

    public ServiceOptions Options { get; }

    /// <summary>Regions in priority order: index 0 is the primary.</summary>
    public RegionRoute[] Regions { get; }

    public HttpMessageInvoker Client { get; }

    public ForwarderRequestConfig RequestConfig { get; }

    /// <summary>The first region, in priority order, that is usable and not drained; null when there is none.</summary>
    public RegionRoute? SelectRegion()
    {
        foreach (var region in Regions)
        {
            if (!region.Drained && region.IsUsable)
            {
                return region;
            }
        }

        return null;
    }
}

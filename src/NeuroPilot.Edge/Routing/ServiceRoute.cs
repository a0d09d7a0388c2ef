using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Failover;
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
        Budget = new RetryBudget(options.Retry);
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

    public RetryBudget Budget { get; }

    /// <summary>Body size, in-flight and per-client rate limits; null when the service sets none.</summary>
    public Limits.ServiceLimits? Limits { get; init; }

    /// <summary>Per-service metric children (retries, budget).</summary>
    public required Telemetry.ServiceMetrics Metrics { get; init; }

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

    /// <summary>
    /// Where the first attempt of a request goes: the first usable region in priority order, except that a
    /// higher-priority region with a half-open destination takes a few trial requests. When no region is usable:
    /// panic mode (health ignored, priority order) or, with <c>NoUsableRegion: failclosed</c>, null.
    /// </summary>
    public DestinationState? ChooseFirst(out RegionRoute? chosen)
    {
        foreach (var region in Regions)
        {
            if (region.Drained)
            {
                continue;
            }

            var destination = region.IsUsable ? region.PickDestination() : region.TryPickTrial();
            if (destination is not null)
            {
                chosen = region;
                return destination;
            }
        }

        return Panic(tried: [], out chosen);
    }

    /// <summary>
    /// Where a retry goes: an available destination not in <paramref name="tried"/> of the same region, then of the
    /// following regions; in panic mode any untried destination in priority order.
    /// </summary>
    public DestinationState? ChooseRetry(RegionRoute current, ReadOnlySpan<DestinationState?> tried, out RegionRoute? chosen)
    {
        for (var i = current.Priority; i < Regions.Length; i++)
        {
            var region = Regions[i];
            if (region.Drained)
            {
                continue;
            }

            if (region.PickUntried(tried, requireAvailable: true) is { } destination)
            {
                chosen = region;
                return destination;
            }
        }

        return Panic(tried, out chosen);
    }

    private DestinationState? Panic(ReadOnlySpan<DestinationState?> tried, out RegionRoute? chosen)
    {
        chosen = null;
        if (Options.NoUsableRegion == NoUsableRegionPolicy.FailClosed || SelectRegion() is not null)
        {
            return null;
        }

        // Panic: every region looks down, and the edge's own view is the likelier fault; drains still hold.
        foreach (var region in Regions)
        {
            if (!region.Drained && region.PickUntried(tried, requireAvailable: false) is { } destination)
            {
                chosen = region;
                return destination;
            }
        }

        return null;
    }
}

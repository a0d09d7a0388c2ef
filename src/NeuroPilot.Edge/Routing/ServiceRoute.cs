using NeuroPilot.Edge.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace NeuroPilot.Edge.Routing;

/// <summary>A service in the routing table: its regions in priority order and how to reach them.</summary>
public sealed class ServiceRoute
{
    private volatile ServiceHealth _health;

    /// <param name="evaluate">How region health is decided (the health agent's rule), for the first snapshot.</param>
    public ServiceRoute(ServiceOptions options, RegionRoute[] regions, HttpMessageInvoker client, Func<ServiceRoute, ServiceHealth> evaluate)
    {
        Options = options;
        Name = options.Name;
        Regions = regions;
        Client = client;
        Budget = new RetryBudget(options.Retry);
        _health = evaluate(this);
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
    public required ServiceMetrics Metrics { get; init; }

    /// <summary>The service's JWT check, run before a destination is chosen; null when the service has no <c>Jwt</c> section.</summary>
    public Authentication.JwtAuthenticator? Jwt { get; init; }

    /// <summary>
    /// Which regions are usable, as the health agent last decided (<see cref="Publish"/>); read lock-free by every
    /// request. Set at build time from the same decision, so a new table is never without one.
    /// </summary>
    public ServiceHealth Health => _health;

    /// <summary>Replaces the health snapshot (the health agent, on every change).</summary>
    public void Publish(ServiceHealth health) => _health = health;

    /// <summary>
    /// Where the first attempt of a request goes: the first usable region in priority order, except that a
    /// higher-priority region with a half-open destination takes a few trial requests. When no region is usable:
    /// panic mode (health ignored, priority order) or, with <c>NoUsableRegion: failclosed</c>, null.
    /// </summary>
    public DestinationState? ChooseFirst(out RegionRoute? chosen)
    {
        var health = _health;
        var regions = Regions;
        for (var i = 0; i < regions.Length; i++)
        {
            var condition = health.Regions[i].Condition;
            if (condition == RegionCondition.Drained)
            {
                continue;
            }

            var region = regions[i];
            var destination = condition == RegionCondition.Usable ? region.PickDestination() : region.TryPickTrial();
            if (destination is not null)
            {
                chosen = region;
                return destination;
            }
        }

        return Panic(health, tried: [], out chosen);
    }

    /// <summary>
    /// Where a retry goes: an available destination not in <paramref name="tried"/> of the same region, then of the
    /// following regions; in panic mode any untried destination in priority order.
    /// </summary>
    public DestinationState? ChooseRetry(RegionRoute current, ReadOnlySpan<DestinationState?> tried, out RegionRoute? chosen)
    {
        var health = _health;
        for (var i = current.Priority; i < Regions.Length; i++)
        {
            if (health.Regions[i].Drained)
            {
                continue;
            }

            if (Regions[i].PickUntried(tried, requireAvailable: true) is { } destination)
            {
                chosen = Regions[i];
                return destination;
            }
        }

        return Panic(health, tried, out chosen);
    }

    private DestinationState? Panic(ServiceHealth health, ReadOnlySpan<DestinationState?> tried, out RegionRoute? chosen)
    {
        chosen = null;
        if (Options.NoUsableRegion == NoUsableRegionPolicy.FailClosed || health.Serving is not null)
        {
            return null;
        }

        // Panic: every region looks down, and the edge's own view is the likelier fault; drains still hold.
        for (var i = 0; i < Regions.Length; i++)
        {
            if (!health.Regions[i].Drained && Regions[i].PickUntried(tried, requireAvailable: false) is { } destination)
            {
                chosen = Regions[i];
                return destination;
            }
        }

        return null;
    }
}

using Microsoft.Extensions.Logging.Abstractions;
using NeuroPilot.Edge.Authentication;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Forwarding;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Hosting;

/// <summary>
/// Builds a routing table from a validated config, carrying over from the previous table every destination and
/// region that is still configured, so health, in-flight counts and drains survive a reload.
/// </summary>
public sealed class RoutingTableBuilder(EdgeMetrics metrics, UpstreamClients clients, TimeProvider? time = null, ILoggerFactory? loggers = null)
{
    private readonly JwtAuthenticatorFactory _jwt = new(metrics, time ?? TimeProvider.System, loggers ?? NullLoggerFactory.Instance);

    public RoutingTable Build(EdgeConfig config, RoutingTable? previous)
    {
        var services = new ServiceRoute[config.Services.Count];
        for (var s = 0; s < services.Length; s++)
        {
            var options = config.Services[s];
            var old = previous?.Find(options.Name);
            var regions = new RegionRoute[options.Regions.Count];
            for (var r = 0; r < regions.Length; r++)
            {
                var region = options.Regions[r];
                var oldRegion = FindRegion(old, region.Name);
                var destinations = new DestinationState[region.Destinations.Count];
                for (var d = 0; d < destinations.Length; d++)
                {
                    var destination = FindDestination(oldRegion, region.Destinations[d]);
                    if (destination is null)
                    {
                        destination = new DestinationState(region.Destinations[d], options.Name, region.Name, options.CircuitBreaker, options.HealthCheck.HealthyThreshold, time);
                    }
                    else
                    {
                        destination.Breaker.Reconfigure(options.CircuitBreaker, options.HealthCheck.HealthyThreshold);
                    }

                    destinations[d] = destination;
                }

                regions[r] = new RegionRoute(options.Name, region.Name, r, destinations, options.MinHealthyDestinations)
                {
                    State = oldRegion?.State ?? new RegionState(),
                    Metrics = new RegionMetrics(metrics, options.Name, region.Name),
                };
            }

            services[s] = new ServiceRoute(options, regions, clients.Get(options), Health.RegionEvaluator.Evaluate)
            {
                Metrics = new ServiceMetrics(metrics, options.Name),
                Limits = options.Limits.Any ? new Limits.ServiceLimits(options.Limits, old?.Limits, time ?? TimeProvider.System) : null,
                Jwt = _jwt.Create(options),
            };
        }

        _jwt.CompleteBuild();
        return new RoutingTable(services)
        {
            Clients = config.Edge.TrustedProxies.Count == 0
                ? ClientIdentity.ClientAddressResolver.Untrusting
                : new ClientIdentity.ClientAddressResolver(config.Edge.TrustedProxies, config.Edge.ClientAddressHeader),
        };
    }

    private static RegionRoute? FindRegion(ServiceRoute? service, string name)
    {
        if (service is null)
        {
            return null;
        }

        foreach (var region in service.Regions)
        {
            if (string.Equals(region.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return region;
            }
        }

        return null;
    }

    private static DestinationState? FindDestination(RegionRoute? region, Uri url)
    {
        if (region is null)
        {
            return null;
        }

        foreach (var destination in region.Destinations)
        {
            if (destination.Url == url)
            {
                return destination;
            }
        }

        return null;
    }
}

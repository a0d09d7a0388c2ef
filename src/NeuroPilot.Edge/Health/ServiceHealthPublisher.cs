using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Health;

/// <summary>
/// Decides region health for a service (<see cref="RegionEvaluator"/>) and publishes it on the service when it changed:
/// the serving-region gauges, a failover count and one log line per change of the serving region, and
/// <see cref="Changed"/> for the DNS reconciler. Called by the health agent on every tick and at once on every
/// change it hears of (a breaker transition, a destination up or down, a drain), so routing sees a breaker opening
/// with the request that opened it. Thread-safe: decisions for one edge are made one at a time; events and logs come
/// after the lock.
/// </summary>
public sealed partial class ServiceHealthPublisher(EdgeMetrics metrics, ILogger logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string?> _serving = new(StringComparer.Ordinal);
    private readonly Dictionary<RegionState, bool> _usable = [];

    /// <summary>
    /// Raised (outside the lock, on the thread that noticed the change) when a region of a service became usable or
    /// unusable, drains included: the DNS reconciler's cue. Handlers must return quickly.
    /// </summary>
    public event Action<ServiceHealth>? Changed;

    /// <summary>Decides the service's region health now and publishes it; returns what is published.</summary>
    public ServiceHealth Evaluate(ServiceRoute service)
    {
        ServiceHealth health;
        string? previous;
        bool known;
        var usableChanged = false;
        lock (_gate)
        {
            health = RegionEvaluator.Evaluate(service);
            if (health.SameAs(service.Health))
            {
                health = service.Health;
            }
            else
            {
                service.Publish(health);
            }

            known = _serving.TryGetValue(service.Name, out previous);
            _serving[service.Name] = health.Serving?.Name;
            foreach (var region in health.Regions)
            {
                // RegionState is carried across reloads with the region, like its destinations' state.
                if (!_usable.TryGetValue(region.Region.State, out var before) || before != region.Usable)
                {
                    _usable[region.Region.State] = region.Usable;
                    usableChanged = true;
                }
            }
        }

        var serving = health.Serving?.Name;
        if (!known || previous != serving)
        {
            ReportServing(service, health, known, previous, serving);
        }

        if (usableChanged)
        {
            Changed?.Invoke(health);
        }

        return health;
    }

    /// <summary>Forgets what it knew of regions and services that left the routing table.</summary>
    public void Retain(RoutingTable table)
    {
        var states = table.Services.SelectMany(s => s.Regions).Select(r => r.State).ToHashSet();
        var services = table.Services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        lock (_gate)
        {
            foreach (var state in _usable.Keys.Where(s => !states.Contains(s)).ToList())
            {
                _usable.Remove(state);
            }

            foreach (var name in _serving.Keys.Where(s => !services.Contains(s)).ToList())
            {
                _serving.Remove(name);
            }
        }
    }

    private void ReportServing(ServiceRoute service, ServiceHealth health, bool known, string? previous, string? serving)
    {
        foreach (var region in service.Regions)
        {
            metrics.RegionServing.WithLabels(service.Name, region.Name).Set(region.Name == serving ? 1 : 0);
        }

        if (!known)
        {
            LogServing(service.Name, serving ?? "none");
            return;
        }

        metrics.Failovers.WithLabels(service.Name, previous ?? "none", serving ?? "none").Inc();
        if (serving is null)
        {
            LogNoUsableRegion(service.Name, previous ?? "none", service.Options.NoUsableRegion == NoUsableRegionPolicy.Panic ? "panic mode: trying every region" : "failing closed with 503");
        }
        else
        {
            LogFailover(service.Name, previous ?? "none", serving, health.ToString());
        }
    }
}

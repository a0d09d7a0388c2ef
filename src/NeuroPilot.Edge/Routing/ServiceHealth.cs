namespace NeuroPilot.Edge.Routing;

/// <summary>
/// Whether each region of a service is usable, and so which region serves it: one immutable snapshot, made by the
/// health agent (the only place that decides it) on every change and published on the service
/// (<see cref="ServiceRoute.Health"/>). Routing, <c>/readyz</c>, <c>/admin/status</c> and the DNS reconciler read it and
/// never decide it again.
/// </summary>
public sealed class ServiceHealth
{
    public ServiceHealth(ServiceRoute service, RegionHealth[] regions)
    {
        Service = service;
        Regions = regions;
        foreach (var region in regions)
        {
            if (region.Usable)
            {
                Serving = region.Region;
                break;
            }
        }
    }

    public ServiceRoute Service { get; }

    /// <summary>Every region of the service, in priority order.</summary>
    public IReadOnlyList<RegionHealth> Regions { get; }

    /// <summary>The first usable region in priority order; null when none is (panic or fail closed, as configured).</summary>
    public RegionRoute? Serving { get; }

    /// <summary>The health of <paramref name="region"/> (a region of this snapshot's table).</summary>
    public RegionHealth Of(RegionRoute region) => Regions[region.Priority];

    /// <summary>Whether another snapshot says the same (same conditions region by region).</summary>
    public bool SameAs(ServiceHealth? other)
    {
        if (other is null || other.Regions.Count != Regions.Count)
        {
            return false;
        }

        for (var i = 0; i < Regions.Count; i++)
        {
            if (!ReferenceEquals(Regions[i].Region.State, other.Regions[i].Region.State) || Regions[i].Condition != other.Regions[i].Condition)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>us-east=usable eu-west=drained ap-south=down</c>, for the failover log line.</summary>
    public override string ToString() => string.Join(' ', Regions.Select(r => $"{r.Region.Name}={(r.Usable ? "usable" : r.Drained ? "drained" : "down")}"));
}

using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Health;

/// <summary>
/// The one place that decides whether a region is usable: not drained by an operator, and at least
/// <c>MinHealthyDestinations</c> of its destinations available (probes say up and the breaker is closed; a half-open
/// destination takes only trial requests). The health agent publishes the result per service; everything else reads it.
/// </summary>
public static class RegionEvaluator
{
    public static ServiceHealth Evaluate(ServiceRoute service)
    {
        var regions = new RegionHealth[service.Regions.Length];
        for (var i = 0; i < regions.Length; i++)
        {
            var region = service.Regions[i];
            var available = 0;
            foreach (var destination in region.Destinations)
            {
                if (destination.IsAvailable)
                {
                    available++;
                }
            }

            regions[i] = new RegionHealth(region, Decide(region.State.Drained, available, region.MinHealthyDestinations), available);
        }

        return new ServiceHealth(service, regions);
    }

    /// <summary>The rule itself, for a region with <paramref name="available"/> destinations available.</summary>
    public static RegionCondition Decide(bool drained, int available, int minHealthyDestinations) =>
        drained ? RegionCondition.Drained
        : available >= minHealthyDestinations ? RegionCondition.Usable
        : RegionCondition.TooFewAvailable;
}

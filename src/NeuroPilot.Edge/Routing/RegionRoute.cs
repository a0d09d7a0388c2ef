using System.Runtime.CompilerServices;

namespace NeuroPilot.Edge.Routing;

/// <summary>A region of a service in the routing table: its destinations and how to pick one.</summary>
public sealed class RegionRoute
{
    public RegionRoute(string service, string name, int priority, DestinationState[] destinations)
    {
        Service = service;
        Name = name;
        Priority = priority;
        Destinations = destinations;
    }

    public string Service { get; }

    public string Name { get; }

    /// <summary>0 for the primary, then 1, 2...</summary>
    public int Priority { get; }

    public DestinationState[] Destinations { get; }

    /// <summary>Taken out of rotation by an operator (admin drain); survives reloads.</summary>
    public bool Drained => Control.Drained;

    /// <summary>State of the region that outlives a routing table (the operator's drain flag).</summary>
    public RegionControl Control { get; init; } = new();

    /// <summary>Per-request metric children of this region.</summary>
    public required Telemetry.RegionMetrics Metrics { get; init; }

    /// <summary>A region is usable while at least one destination is available.</summary>
    public bool IsUsable
    {
        get
        {
            foreach (var destination in Destinations)
            {
                if (destination.IsAvailable)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>
    /// Power of two choices on in-flight requests among available destinations: two random candidates, the less
    /// busy wins. Lock-free and allocation-free. Returns null when no destination is available.
    /// </summary>
    public DestinationState? PickDestination()
    {
        var destinations = Destinations;
        if (destinations.Length == 1)
        {
            return destinations[0].IsAvailable ? destinations[0] : null;
        }

        var first = destinations[Random.Shared.Next(destinations.Length)];
        var second = destinations[Random.Shared.Next(destinations.Length)];
        if (first.IsAvailable && second.IsAvailable)
        {
            return first.InFlight <= second.InFlight ? first : second;
        }

        if (first.IsAvailable)
        {
            return first;
        }

        return second.IsAvailable ? second : PickAnyAvailable(destinations);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static DestinationState? PickAnyAvailable(DestinationState[] destinations)
    {
        var start = Random.Shared.Next(destinations.Length);
        for (var i = 0; i < destinations.Length; i++)
        {
            var candidate = destinations[(start + i) % destinations.Length];
            if (candidate.IsAvailable)
            {
                return candidate;
            }
        }

        return null;
    }
}

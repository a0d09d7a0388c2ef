using System.Runtime.CompilerServices;
using NeuroPilot.Edge.CircuitBreaking;

namespace NeuroPilot.Edge.Routing;

/// <summary>A region of a service in the routing table: its destinations and how to pick one.</summary>
public sealed class RegionRoute
{
    public RegionRoute(string service, string name, int priority, DestinationState[] destinations, int minHealthyDestinations = 1)
    {
        Service = service;
        Name = name;
        Priority = priority;
        Destinations = destinations;
        MinHealthyDestinations = minHealthyDestinations;
    }

    public string Service { get; }

    public string Name { get; }

    /// <summary>0 for the primary, then 1, 2...</summary>
    public int Priority { get; }

    public DestinationState[] Destinations { get; }

    public int MinHealthyDestinations { get; }

    /// <summary>State of the region that outlives a routing table (the operator's drain).</summary>
    public RegionState State { get; init; } = new();

    /// <summary>Where the random draws of destination picking come from: <see cref="Random.Shared"/>; tests give a scripted one.</summary>
    public Random Choices { get; init; } = Random.Shared;

    /// <summary>Per-request metric children of this region.</summary>
    public required Telemetry.RegionMetrics Metrics { get; init; }

    /// <summary>
    /// Power of two choices on in-flight requests among available destinations: two random candidates, the less
    /// busy wins; a half-open candidate with a trial slot free takes the trial. Lock-free and allocation-free.
    /// Returns null when no destination is available.
    /// </summary>
    public DestinationState? PickDestination()
    {
        var destinations = Destinations;
        if (destinations.Length == 1)
        {
            var only = destinations[0];
            return only.IsAvailable || IsTrialCandidate(only) ? only : null;
        }

        var first = destinations[Choices.Next(destinations.Length)];
        var second = destinations[Choices.Next(destinations.Length)];
        if (IsTrialCandidate(first))
        {
            return first;
        }

        if (first.IsAvailable && second.IsAvailable)
        {
            return first.InFlight <= second.InFlight ? first : second;
        }

        if (first.IsAvailable)
        {
            return first;
        }

        return second.IsAvailable ? second : PickUntried(tried: [], requireAvailable: true);
    }

    /// <summary>A half-open destination of this (unusable) region that takes one more trial request, if any.</summary>
    public DestinationState? TryPickTrial()
    {
        foreach (var destination in Destinations)
        {
            if (IsTrialCandidate(destination))
            {
                return destination;
            }
        }

        return null;
    }

    /// <summary>
    /// A destination not in <paramref name="tried"/>, from a random start: an available one, or when
    /// <paramref name="requireAvailable"/> is false (panic) any one.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public DestinationState? PickUntried(ReadOnlySpan<DestinationState?> tried, bool requireAvailable)
    {
        var destinations = Destinations;
        var start = destinations.Length == 1 ? 0 : Choices.Next(destinations.Length);
        for (var i = 0; i < destinations.Length; i++)
        {
            var candidate = destinations[(start + i) % destinations.Length];
            if ((!requireAvailable || candidate.IsAvailable) && !Contains(tried, candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool Contains(ReadOnlySpan<DestinationState?> tried, DestinationState candidate)
    {
        foreach (var destination in tried)
        {
            if (ReferenceEquals(destination, candidate))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsTrialCandidate(DestinationState destination) =>
        destination.Breaker.State == CircuitState.HalfOpen && !destination.MarkedDown && destination.Breaker.TryAcquireTrial();
}

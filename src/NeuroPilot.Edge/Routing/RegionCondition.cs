namespace NeuroPilot.Edge.Routing;

/// <summary>Why a region is or is not usable (see <see cref="RegionHealth"/>).</summary>
public enum RegionCondition
{
    /// <summary>Not drained, and at least <c>MinHealthyDestinations</c> destinations available.</summary>
    Usable,

    /// <summary>Taken out of rotation by an operator.</summary>
    Drained,

    /// <summary>Fewer than <c>MinHealthyDestinations</c> destinations available (probes down or breakers not closed).</summary>
    TooFewAvailable,
}

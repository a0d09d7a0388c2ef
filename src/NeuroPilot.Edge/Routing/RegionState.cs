namespace NeuroPilot.Edge.Routing;

/// <summary>
/// The state of a region that outlives a routing table, as <see cref="DestinationState"/> does for a destination:
/// carried across reloads while the region stays in the config. Today that is the operator's intent (drained).
/// Whether the region is usable is not stored here: the health agent decides it and publishes it in the service's
/// <see cref="ServiceHealth"/>.
/// </summary>
public sealed class RegionState
{
    private volatile bool _drained;

    /// <summary>Taken out of rotation by an operator (admin drain): kept across reloads.</summary>
    public bool Drained
    {
        get => _drained;
        set => _drained = value;
    }
}

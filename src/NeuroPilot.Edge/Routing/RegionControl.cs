namespace NeuroPilot.Edge.Routing;

/// <summary>Operator-controlled state of a region that survives reloads: whether it is drained.</summary>
public sealed class RegionControl
{
    private volatile bool _drained;

    public bool Drained
    {
        get => _drained;
        set => _drained = value;
    }
}

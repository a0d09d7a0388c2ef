namespace NeuroPilot.Edge.Routing;

/// <summary>One region in a <see cref="ServiceHealth"/>: whether it is usable and why.</summary>
/// <param name="Region">The region (of the routing table the snapshot was made from).</param>
/// <param name="Condition">Usable, drained, or too few destinations available.</param>
/// <param name="Available">Destinations available when the snapshot was made (up and breaker closed).</param>
public readonly record struct RegionHealth(RegionRoute Region, RegionCondition Condition, int Available)
{
    public bool Usable => Condition == RegionCondition.Usable;

    public bool Drained => Condition == RegionCondition.Drained;

    /// <summary>In words, for status and logs: <c>usable</c>, <c>drained</c>, <c>0 of 2 destinations available (needs 1)</c>.</summary>
    public string Reason => Condition switch
    {
        RegionCondition.Usable => "usable",
        RegionCondition.Drained => "drained",
        _ => $"{Available} of {Region.Destinations.Length} destinations available (needs {Region.MinHealthyDestinations})",
    };
}

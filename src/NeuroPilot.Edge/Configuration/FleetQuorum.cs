namespace NeuroPilot.Edge.Configuration;

/// <summary>
/// How many live edges must agree before the fleet's DNS writer moves a region: a majority of the members with a
/// fresh view (<see cref="Majority"/>), or a fixed count (capped by how many members there are).
/// </summary>
public readonly record struct FleetQuorum
{
    private FleetQuorum(int count) => Count = count;

    public static FleetQuorum Majority => default;

    /// <summary>The fixed count; 0 for <see cref="Majority"/>.</summary>
    public int Count { get; }

    public bool IsMajority => Count == 0;

    public static FleetQuorum Of(int count) =>
        count >= 1 ? new FleetQuorum(count) : throw new ArgumentOutOfRangeException(nameof(count), count, "a quorum is at least 1");

    /// <summary>How many of <paramref name="members"/> live members must agree (at least 1).</summary>
    public int Required(int members) => IsMajority ? (members / 2) + 1 : Math.Max(1, Math.Min(Count, members));

    public override string ToString() => IsMajority ? "majority" : Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

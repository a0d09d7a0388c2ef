namespace NeuroPilot.Edge.LoadTests.Fleet;

/// <summary>What <c>drill fleet</c> was asked to do: the load, the three faults' times (from the start of the measured window) and the fleet's timings.</summary>
internal sealed record FleetPlan
{
    public required string Edge { get; init; }

    public double Rate { get; init; } = 300;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(24);

    public TimeSpan KillAt { get; init; } = TimeSpan.FromSeconds(4);

    public TimeSpan PartitionAt { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan FailAt { get; init; } = TimeSpan.FromSeconds(16);

    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan DownHold { get; init; } = TimeSpan.FromSeconds(2);

    public string Path { get; init; } = "/";

    public string? Title { get; init; }
}

namespace NeuroPilot.Edge.LoadTests.Fleet;

/// <summary>When each fault of a fleet drill happened (Stopwatch timestamps; null: not reached) and which edges it hit.</summary>
internal sealed record FleetFaults
{
    public long? KillAt { get; init; }

    public int? Killed { get; init; }

    public int InFlightAtKill { get; init; }

    public long? PartitionAt { get; init; }

    public int? Partitioned { get; init; }

    public long? FailAt { get; init; }
}

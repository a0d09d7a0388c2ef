namespace NeuroPilot.Edge.LoadTests.Drill;

/// <summary>What <c>drill failover</c> was asked to do, with the defaults filled in.</summary>
internal sealed record DrillPlan
{
    /// <summary>The full path of the neuropilot-edge binary.</summary>
    public required string Edge { get; init; }

    public required double Rate { get; init; }

    public required TimeSpan Duration { get; init; }

    public required DrillFault Fault { get; init; }

    public required TimeSpan FaultAt { get; init; }

    public required TimeSpan RecoverAt { get; init; }

    public TimeSpan? PerTryTimeout { get; init; }

    public required string Path { get; init; }

    public string? Title { get; init; }
}

namespace NeuroPilot.Edge.LoadTests.Fleet;

/// <summary>What a fleet drill measured, beside the run's own figures (the <c>fleet</c> object of summary.json).</summary>
internal sealed record FleetSummary
{
    /// <summary>When each fault happened, from the start of the measured window (the plan's time when it was not reached).</summary>
    public required TimeSpan KillAt { get; init; }

    public required TimeSpan PartitionAt { get; init; }

    public required TimeSpan FailAt { get; init; }

    public required TimeSpan LeaseTtl { get; init; }

    public required TimeSpan DownHold { get; init; }

    /// <summary>The edge that led at the kill (SIGKILLed), and the one that led at the partition (cut off etcd).</summary>
    public string? KilledEdge { get; init; }

    public string? PartitionedEdge { get; init; }

    /// <summary>Requests the killed edge still held when it was killed (taken out of rotation first, then drained up to 2 s).</summary>
    public int InFlightAtKill { get; init; }

    /// <summary>From the SIGKILL to the first sample in which another edge said it leads; that edge.</summary>
    public double? NewLeaderAfterKillMs { get; init; }

    public string? LeaderAfterKill { get; init; }

    /// <summary>From the partition to the first sample in which an edge still reaching etcd said it leads; that edge.</summary>
    public double? NewLeaderAfterPartitionMs { get; init; }

    public string? LeaderAfterPartition { get; init; }

    /// <summary>From the partition to the first sample in which the partitioned edge no longer said it leads.</summary>
    public double? PartitionedStoppedLeadingMs { get; init; }

    /// <summary>Leadership samples (every 50 ms) in which two or more edges said they lead.</summary>
    public int OverlapSamples { get; init; }

    /// <summary>From the primary's failure to the emulator publishing the next region's address.</summary>
    public double? DnsChangeAfterFailMs { get; init; }

    /// <summary>Successful write requests (not GET) to the provider after the fleet settled, and the record-set changes seen.</summary>
    public int DnsWrites { get; init; }

    public int DnsChanges { get; init; }

    /// <summary>Writes beyond one per change of the published set (a second writer, or a write that changed nothing).</summary>
    public int DuplicateWrites => Math.Max(0, DnsWrites - DnsChanges);

    /// <summary>The published addresses over time: seconds from the start of the measured window, and the set.</summary>
    public required IReadOnlyList<(double AtS, string Published)> DnsTimeline { get; init; }

    /// <summary>The longer of the two leader hand-overs (the leader-time budget).</summary>
    public double? LeaderTimeMs => NewLeaderAfterKillMs is null || NewLeaderAfterPartitionMs is null
        ? null
        : Math.Max(NewLeaderAfterKillMs.Value, NewLeaderAfterPartitionMs.Value);
}

using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Spike;

/// <summary>What one phase (baseline, spike, after) of a spike drill measured. Requests belong to the phase of their intended start.</summary>
internal sealed record SpikePhaseSummary
{
    public required string Name { get; init; }

    /// <summary>The rate the phase was meant to offer.</summary>
    public required double Rate { get; init; }

    /// <summary>From the start of the measured window.</summary>
    public required TimeSpan Start { get; init; }

    public required TimeSpan Duration { get; init; }

    /// <summary>Requests the schedule held for the phase.</summary>
    public long Scheduled { get; init; }

    /// <summary>Requests of the phase that went out on a connection (whenever they did).</summary>
    public long Sent { get; init; }

    /// <summary>Requests (of any phase) that went out while the phase lasted.</summary>
    public long SentDuring { get; init; }

    /// <summary>2xx responses (to requests of any phase) that arrived while the phase lasted.</summary>
    public long OkDuring { get; init; }

    /// <summary>Of <see cref="Sent"/>, those that left later than the late threshold after their intended start.</summary>
    public long Late { get; init; }

    /// <summary>p99 of how late sends left after their intended start, in milliseconds; null without a send.</summary>
    public double? SendLagP99Ms { get; init; }

    public long Ok { get; init; }

    public long Shed429 { get; init; }

    public long Shed503 { get; init; }

    public long Failed { get; init; }

    /// <summary>Latency of admitted (not shed) requests, timeouts included at the time they were abandoned.</summary>
    public required LatencySummary Admitted { get; init; }

    /// <summary>
    /// The same from the actual send instead of the intended start: without the time a request waited in the harness
    /// for a connection, so closer to what the edge (and the upstream) added when the generator fell behind.
    /// </summary>
    public LatencySummary AdmittedFromSend { get; init; } = new();

    /// <summary>The edge's highest sampled RSS during the phase; null without a sample.</summary>
    public long? RssPeakBytes { get; init; }

    /// <summary>CPU time (user + kernel) the edge used during the phase; null without samples.</summary>
    public double? CpuSeconds { get; init; }

    /// <summary>The edge's own shed counters over the phase (its first includes the warm-up, its last the grace), by reason; null when /metrics did not answer.</summary>
    public IReadOnlyDictionary<string, double>? EdgeShed { get; init; }

    public double OfferedRate => PerSecond(Scheduled);

    /// <summary>Requests sent per second while the phase lasted (less than offered when the harness fell behind).</summary>
    public double AchievedRate => PerSecond(SentDuring);

    /// <summary>2xx responses per second while the phase lasted.</summary>
    public double Goodput => PerSecond(OkDuring);

    /// <summary>The share of sends that left late: how far the load the edge saw differs from the load offered.</summary>
    public double LateShare => Sent == 0 ? 0 : (double)Late / Sent;

    public double Shed429Share => Share(Shed429);

    public double Shed503Share => Share(Shed503);

    public double FailedShare => Share(Failed);

    /// <summary>Edge CPU per request sent while the phase lasted, in microseconds.</summary>
    public double? CpuMicrosecondsPerRequest => CpuSeconds is { } cpu && SentDuring > 0 ? cpu * 1e6 / SentDuring : null;

    /// <summary>Edge CPU as cores busy on average (1 = one core all the time).</summary>
    public double? CpuCores => CpuSeconds is { } cpu && Duration > TimeSpan.Zero ? cpu / Duration.TotalSeconds : null;

    private double PerSecond(long count) => Duration > TimeSpan.Zero ? count / Duration.TotalSeconds : 0;

    private double Share(long count) => Scheduled == 0 ? 0 : (double)count / Scheduled;
}

namespace NeuroPilot.Edge.LoadTests.Drill;

/// <summary>What a failover drill measured, beside the run's own figures (the <c>drill</c> object of summary.json).</summary>
internal sealed record DrillSummary
{
    public required DrillFault Fault { get; init; }

    /// <summary>The regions in priority order (the first is the primary, the one the fault hits).</summary>
    public required IReadOnlyList<string> Regions { get; init; }

    /// <summary>When the fault was injected, from the start of the measured window.</summary>
    public required TimeSpan FaultAt { get; init; }

    /// <summary>When the recovery began, from the start of the measured window.</summary>
    public required TimeSpan RecoverAt { get; init; }

    public TimeSpan? PerTryTimeout { get; init; }

    /// <summary>Requests whose status was not 2xx or that got no response (timeouts, connection errors, never sent).</summary>
    public long Failed { get; init; }

    /// <summary>Of <see cref="Failed"/>, those that ended before the fault.</summary>
    public long FailedBeforeFault { get; init; }

    /// <summary>Of <see cref="Failed"/>, those that ended at or after the fault.</summary>
    public long FailedAfterFault { get; init; }

    /// <summary>
    /// From the fault until the first response from another region after which, until the recovery, every response
    /// was a 2xx from another region; null when that never happened.
    /// </summary>
    public double? FailoverTimeMs { get; init; }

    /// <summary>From the recovery until the first 2xx response from the primary; null when none came.</summary>
    public double? RecoveryTimeMs { get; init; }

    /// <summary>After the edge put the primary back in service: how many times responses (in send order) moved away from it again.</summary>
    public int? SwitchesBack { get; init; }

    /// <summary>The same three figures from the edge's <c>/admin/status</c> serving region, polled every 50 ms.</summary>
    public double? StatusFailoverTimeMs { get; init; }

    public double? StatusRecoveryTimeMs { get; init; }

    public int? StatusSwitchesBack { get; init; }

    /// <summary>Responses that arrived during each second of the run, by region (key: region name, "none" without the header).</summary>
    public required IReadOnlyDictionary<string, long[]> ResponsesByRegionPerSecond { get; init; }

    public string Primary => Regions[0];
}

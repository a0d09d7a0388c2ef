namespace NeuroPilot.Edge.LoadTests.Spike;

/// <summary>
/// 250 ms of a spike drill (by intended send time; each phase is cut into windows from its own start, the last one
/// maybe shorter): what happened to the requests scheduled in it, and the latency of those admitted.
/// </summary>
internal sealed record SpikeWindow
{
    public required string Phase { get; init; }

    /// <summary>From the start of the measured window.</summary>
    public required TimeSpan Start { get; init; }

    public required TimeSpan Length { get; init; }

    public long Ok { get; init; }

    public long Shed429 { get; init; }

    public long Shed503 { get; init; }

    public long Failed { get; init; }

    /// <summary>Latency of admitted (not shed) requests in milliseconds; null when none had one.</summary>
    public double? AdmittedP50Ms { get; init; }

    public double? AdmittedP99Ms { get; init; }

    public double? AdmittedMaxMs { get; init; }

    public TimeSpan End => Start + Length;

    /// <summary>Whether the edge had recovered in this window: nothing shed, nothing failed, admitted p99 within the threshold.</summary>
    public bool IsHealthy(double p99ThresholdMs) =>
        Shed429 == 0 && Shed503 == 0 && Failed == 0 && (AdmittedP99Ms is not { } p99 || p99 <= p99ThresholdMs);
}

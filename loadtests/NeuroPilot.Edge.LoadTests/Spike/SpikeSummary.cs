using HdrHistogram;

namespace NeuroPilot.Edge.LoadTests.Spike;

/// <summary>What a spike drill measured, beside the run's own figures (the <c>spike</c> object of summary.json).</summary>
internal sealed record SpikeSummary
{
    /// <summary>The phases in order: baseline, spike, after.</summary>
    public required IReadOnlyList<SpikePhaseSummary> Phases { get; init; }

    /// <summary>Every phase cut into 250 ms windows, in order.</summary>
    public required IReadOnlyList<SpikeWindow> Windows { get; init; }

    /// <summary>The admitted p99 a window must be within to count as recovered.</summary>
    public required double RecoveryThresholdMs { get; init; }

    /// <summary>
    /// From the end of the spike to the first 250 ms window from which a second of windows (or the rest of the run)
    /// shed nothing, failed nothing and kept admitted p99 within the threshold; null when that never happened.
    /// </summary>
    public double? RecoveryTimeMs { get; init; }

    /// <summary>When the spike ended, from the start of the measured window.</summary>
    public TimeSpan? SpikeEnd { get; init; }

    /// <summary>Latency of every admitted request of the run, in microseconds (for <c>latency-admitted.hgrm</c>).</summary>
    public required LongHistogram AdmittedLatency { get; init; }

    /// <summary>The edge's resident memory and CPU over time.</summary>
    public required IReadOnlyList<SpikeResourcePoint> Resources { get; init; }

    /// <summary>Highest sampled RSS from the start of the measured window to the end of the run (grace included).</summary>
    public long? RssPeakBytes { get; init; }

    /// <summary>The edge's VmHWM at the last sample: the kernel's own peak, which sampling cannot miss.</summary>
    public long? RssHighWaterBytes { get; init; }

    /// <summary>RSS at the first sample, before any load.</summary>
    public long? RssIdleBytes { get; init; }

    /// <summary>CPU time the edge used over the measured window (grace included).</summary>
    public double? CpuSeconds { get; init; }

    /// <summary>The edge's shed counters over the whole run, by reason; null when /metrics did not answer.</summary>
    public IReadOnlyDictionary<string, double>? EdgeShedTotal { get; init; }

    /// <summary>Whether the edge's config had limits (<c>--limits on</c>).</summary>
    public bool LimitsEnabled { get; init; } = true;

    /// <summary>The Limits sections of the edge's config as compact JSON, or null when it had none.</summary>
    public string? LimitsJson { get; init; }

    public double SpikeFactor { get; init; }

    /// <summary>Client source addresses (127.0.0.1 to 127.0.0.N).</summary>
    public int Clients { get; init; } = 1;

    /// <summary>Upstream processes behind the edge.</summary>
    public int Upstreams { get; init; } = 1;

    /// <summary>The machine's 1/5/15-minute load average just before the run (the machine may be shared).</summary>
    public string? LoadAverageBefore { get; init; }

    /// <summary>The same just after the run.</summary>
    public string? LoadAverageAfter { get; init; }

    public long Scheduled => Sum(p => p.Scheduled);

    public long Ok => Sum(p => p.Ok);

    public long Shed429 => Sum(p => p.Shed429);

    public long Shed503 => Sum(p => p.Shed503);

    public long Failed => Sum(p => p.Failed);

    public double FailedShare => Scheduled == 0 ? 0 : (double)Failed / Scheduled;

    /// <summary>The highest admitted p99 among the phases (null when no phase admitted anything).</summary>
    public double? P99AdmittedMs
    {
        get
        {
            double? worst = null;
            foreach (var phase in Phases)
            {
                if (phase.Admitted.P99 is { } p99 && (worst is null || p99 > worst))
                {
                    worst = p99;
                }
            }

            return worst;
        }
    }

    /// <summary>The RSS figure budgets hold: the higher of the sampled peak and VmHWM.</summary>
    public long? RssBudgetBytes => RssPeakBytes is null && RssHighWaterBytes is null
        ? null
        : Math.Max(RssPeakBytes ?? 0, RssHighWaterBytes ?? 0);

    /// <summary>The share of the first (baseline) phase's requests that were shed.</summary>
    public double ShedBaselineShare => Phases.Count == 0 ? 0 : Phases[0].Shed429Share + Phases[0].Shed503Share;

    private long Sum(Func<SpikePhaseSummary, long> figure)
    {
        long total = 0;
        foreach (var phase in Phases)
        {
            total += figure(phase);
        }

        return total;
    }
}

using System.Diagnostics;
using HdrHistogram;
using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Spike;

/// <summary>
/// Turns a spike drill's trace (every request's outcome; tag -1 = the response had a <c>Retry-After</c>), the edge's
/// resource samples and its shed counters into the drill's figures. Timestamps are <see cref="Stopwatch"/> timestamps.
/// </summary>
internal static class SpikeAnalysis
{
    public const string SpikePhase = "spike";

    public static readonly TimeSpan WindowLength = TimeSpan.FromMilliseconds(250);

    /// <summary>How long the windows must stay healthy for the edge to count as recovered.</summary>
    public static readonly TimeSpan RecoveryHold = TimeSpan.FromSeconds(1);

    /// <summary>How a request counts: 2xx, shed (429 or 503 with <c>Retry-After</c>) or failed (anything else).</summary>
    public static SpikeOutcome Classify(TracedOutcome outcome)
    {
        if (outcome.Failure is not null)
        {
            return SpikeOutcome.Failed;
        }

        var retryAfter = outcome.Tag != 0;
        return outcome.StatusCode switch
        {
            >= 200 and < 300 => SpikeOutcome.Ok,
            429 when retryAfter => SpikeOutcome.Shed429,
            503 when retryAfter => SpikeOutcome.Shed503,
            _ => SpikeOutcome.Failed,
        };
    }

    /// <param name="result">The run (its profile has the phases).</param>
    /// <param name="outcomes">Every outcome of the measured window.</param>
    /// <param name="samples">The edge's resource samples, oldest first.</param>
    /// <param name="shedScrapes">The edge's shed counters before the run and at the end of each phase (the last after the grace); an entry is null when /metrics did not answer.</param>
    /// <param name="recoveryThresholdMs">The admitted p99 a 250 ms window must be within to count as recovered.</param>
    public static SpikeSummary Analyze(
        RunResult result,
        IReadOnlyList<TracedOutcome> outcomes,
        IReadOnlyList<ResourceSample> samples,
        IReadOnlyList<IReadOnlyDictionary<string, double>?> shedScrapes,
        double recoveryThresholdMs)
    {
        var profile = result.Profile;
        var phases = profile.Phases.Count > 0 ? profile.Phases : [new RatePhase("run", profile.Rate, profile.Duration)];
        var grid = new PhaseGrid(result, phases.Count);
        var highest = Math.Max(1_000_000, (long)(profile.Timeout + profile.Grace + profile.Duration).TotalMicroseconds + 60_000_000);
        var tallies = phases.Select(_ => new PhaseTally(highest)).ToArray();
        var windowTallies = new WindowTally[grid.WindowCount];
        var admitted = new LongHistogram(1, highest, 3);
        var lateTicks = Ticks(profile.LateThreshold);
        foreach (var outcome in outcomes)
        {
            if (!grid.Holds(outcome.Intended))
            {
                continue;
            }

            var k = grid.PhaseAt(outcome.Intended)!.Value;
            var kind = Classify(outcome);

            // Achieved rate and goodput go by the clock (when a request left, when a 2xx came back), so a backlog
            // served late counts in the phase that served it, not in the one that offered it.
            if (outcome.WasSent && grid.PhaseAt(outcome.SentAt) is { } sentIn)
            {
                tallies[sentIn].SentDuring++;
            }

            if (kind == SpikeOutcome.Ok && grid.PhaseAt(outcome.EndedAt) is { } servedIn)
            {
                tallies[servedIn].OkDuring++;
            }

            var latency = tallies[k].Record(outcome, kind, lateTicks);
            (windowTallies[grid.WindowOf(k, outcome.Intended)] ??= new WindowTally(highest)).Record(kind, latency);
            if (latency is { } microseconds)
            {
                admitted.RecordValue(microseconds);
            }
        }

        var phaseSummaries = new SpikePhaseSummary[phases.Count];
        var windows = new List<SpikeWindow>(grid.WindowCount);
        for (var k = 0; k < phases.Count; k++)
        {
            var (from, to) = grid.Span(k);
            phaseSummaries[k] = tallies[k].Summarize(phases[k], grid, k) with
            {
                RssPeakBytes = PeakRss(samples, from, to),
                CpuSeconds = CpuBetween(samples, from, to),
                EdgeShed = k + 1 < shedScrapes.Count ? ShedCounters.Delta(shedScrapes[k], shedScrapes[k + 1]) : null,
            };
            windows.AddRange(grid.WindowsOf(k).Select(w => WindowTally.Summarize(windowTallies[w.Index], phases[k].Name, grid, w.From, w.To)));
        }

        return Summarize(grid, phases, phaseSummaries, windows, admitted, samples, shedScrapes, recoveryThresholdMs);
    }

    private static SpikeSummary Summarize(
        PhaseGrid grid,
        IReadOnlyList<RatePhase> phases,
        SpikePhaseSummary[] phaseSummaries,
        List<SpikeWindow> windows,
        LongHistogram admitted,
        IReadOnlyList<ResourceSample> samples,
        IReadOnlyList<IReadOnlyDictionary<string, double>?> shedScrapes,
        double recoveryThresholdMs)
    {
        var windowStart = grid.WindowStart;
        var spike = IndexOf(phases, SpikePhase);
        TimeSpan? spikeEnd = spike >= 0 ? Stopwatch.GetElapsedTime(windowStart, grid.Span(spike).To) : null;
        var lastSample = samples.Count > 0 ? samples[^1] : (ResourceSample?)null;
        return new SpikeSummary
        {
            Phases = phaseSummaries,
            Windows = windows,
            RecoveryThresholdMs = recoveryThresholdMs,
            SpikeEnd = spikeEnd,
            RecoveryTimeMs = spikeEnd is { } end && spike + 1 < phases.Count
                ? RecoveryTime([.. windows.Where(w => w.Start >= end)], end, recoveryThresholdMs)
                : null,
            AdmittedLatency = admitted,
            Resources = [.. samples.Select(s => new SpikeResourcePoint(Seconds(windowStart, s.At), s.RssBytes, s.CpuSeconds))],
            RssPeakBytes = PeakRss(samples, windowStart, long.MaxValue),
            RssHighWaterBytes = lastSample?.HighWaterBytes,
            RssIdleBytes = samples.Count > 0 ? samples[0].RssBytes : null,
            CpuSeconds = CpuBetween(samples, windowStart, lastSample?.At ?? windowStart),
            EdgeShedTotal = shedScrapes.Count >= 2 ? ShedCounters.Delta(shedScrapes[0], shedScrapes[^1]) : null,
        };
    }

    /// <summary>
    /// The recovery time from the windows after the spike (in order): from the end of the spike to the start of the
    /// first healthy window (nothing shed, nothing failed, admitted p99 within the threshold) from which every window
    /// for <see cref="RecoveryHold"/> (or to the end of the run, if that comes first) is healthy too; 0 when the first
    /// window already is; null when no window qualifies. A blip well after the edge recovered (a stall of the
    /// machine) does not move it.
    /// </summary>
    public static double? RecoveryTime(IReadOnlyList<SpikeWindow> afterSpike, TimeSpan spikeEnd, double p99ThresholdMs)
    {
        var streakStart = -1;
        for (var i = 0; i < afterSpike.Count; i++)
        {
            if (!afterSpike[i].IsHealthy(p99ThresholdMs))
            {
                streakStart = -1;
                continue;
            }

            if (streakStart < 0)
            {
                streakStart = i;
            }

            if (afterSpike[i].End - afterSpike[streakStart].Start >= RecoveryHold)
            {
                break;
            }
        }

        if (streakStart < 0)
        {
            return null;
        }

        return Math.Round(Math.Max(0, (afterSpike[streakStart].Start - spikeEnd).TotalMilliseconds), 1);
    }

    /// <summary>The highest RSS among the samples taken in [from, to); null when there is none.</summary>
    public static long? PeakRss(IReadOnlyList<ResourceSample> samples, long from, long to)
    {
        long? peak = null;
        foreach (var sample in samples)
        {
            if (sample.At >= from && sample.At < to && (peak is null || sample.RssBytes > peak))
            {
                peak = sample.RssBytes;
            }
        }

        return peak;
    }

    /// <summary>
    /// CPU time used between two instants, interpolated linearly between the samples around each (clamped to the first
    /// and last sample); null with fewer than two samples.
    /// </summary>
    public static double? CpuBetween(IReadOnlyList<ResourceSample> samples, long from, long to)
    {
        if (samples.Count < 2)
        {
            return null;
        }

        return Math.Max(0, Math.Round(CpuAt(samples, to) - CpuAt(samples, from), 3));
    }

    private static double CpuAt(IReadOnlyList<ResourceSample> samples, long at)
    {
        if (at <= samples[0].At)
        {
            return samples[0].CpuSeconds;
        }

        for (var i = 1; i < samples.Count; i++)
        {
            if (at <= samples[i].At)
            {
                var before = samples[i - 1];
                var after = samples[i];
                var span = after.At - before.At;
                return span <= 0 ? after.CpuSeconds : before.CpuSeconds + (after.CpuSeconds - before.CpuSeconds) * (at - before.At) / span;
            }
        }

        return samples[^1].CpuSeconds;
    }

    private static int IndexOf(IReadOnlyList<RatePhase> phases, string name)
    {
        for (var i = 0; i < phases.Count; i++)
        {
            if (phases[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    private static double Seconds(long from, long to) => Math.Round((to - from) / (double)Stopwatch.Frequency, 3);

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}

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
        var schedule = result.Schedule();
        var frequency = Stopwatch.Frequency;
        var windowStart = result.WindowStart;
        var windowEnd = windowStart + Ticks(profile.Duration);
        var highest = Math.Max(1_000_000, (long)(profile.Timeout + profile.Grace + profile.Duration).TotalMicroseconds + 60_000_000);

        // Phase k spans [starts[k], starts[k + 1]) of intended time.
        var starts = new long[phases.Count + 1];
        for (var k = 0; k < phases.Count; k++)
        {
            starts[k] = k == 0 ? windowStart : Math.Min(schedule.SegmentStart(Math.Min(k, schedule.Segments - 1)), windowEnd);
        }

        starts[phases.Count] = windowEnd;

        // Each phase cut into windows from its own start.
        var windowTicks = Ticks(WindowLength);
        var firstWindow = new int[phases.Count + 1];
        for (var k = 0; k < phases.Count; k++)
        {
            var length = Math.Max(0, starts[k + 1] - starts[k]);
            firstWindow[k + 1] = firstWindow[k] + (int)((length + windowTicks - 1) / windowTicks);
        }

        var windowCounts = new long[firstWindow[phases.Count], 4];
        var windowLatency = new LongHistogram?[firstWindow[phases.Count]];
        var phaseCounts = new long[phases.Count, 4];
        var phaseSent = new long[phases.Count];
        var sentDuring = new long[phases.Count];
        var okDuring = new long[phases.Count];
        var phaseRecorded = new long[phases.Count];
        var phaseLate = new long[phases.Count];
        var phaseLatency = new LongHistogram[phases.Count];
        var phaseSendLag = new LongHistogram[phases.Count];
        var phaseFromSend = new LongHistogram[phases.Count];
        for (var k = 0; k < phases.Count; k++)
        {
            phaseLatency[k] = new LongHistogram(1, highest, 3);
            phaseSendLag[k] = new LongHistogram(1, highest, 3);
            phaseFromSend[k] = new LongHistogram(1, highest, 3);
        }

        var lateTicks = Ticks(profile.LateThreshold);

        var admitted = new LongHistogram(1, highest, 3);
        foreach (var outcome in outcomes)
        {
            if (outcome.Intended < windowStart || outcome.Intended >= windowEnd)
            {
                continue;
            }

            var k = phases.Count - 1;
            while (k > 0 && outcome.Intended < starts[k])
            {
                k--;
            }

            var w = Math.Min(firstWindow[k] + (int)((outcome.Intended - starts[k]) / windowTicks), firstWindow[k + 1] - 1);
            var kind = Classify(outcome);

            // Achieved rate and goodput go by the clock (when a request left, when a 2xx came back), so a backlog
            // served late counts in the phase that served it, not in the one that offered it.
            if (outcome.WasSent && PhaseAt(starts, outcome.SentAt) is { } sentIn)
            {
                sentDuring[sentIn]++;
            }

            if (kind == SpikeOutcome.Ok && PhaseAt(starts, outcome.EndedAt) is { } servedIn)
            {
                okDuring[servedIn]++;
            }

            phaseCounts[k, (int)kind]++;
            windowCounts[w, (int)kind]++;
            phaseRecorded[k]++;
            if (outcome.WasSent)
            {
                // Late: the send left after the threshold (no idle connection, or the scheduler behind): the edge
                // did not see the load when the schedule offered it.
                phaseSent[k]++;
                var lag = Math.Max(0, outcome.SentAt - outcome.Intended);
                phaseLate[k] += lag > lateTicks ? 1 : 0;
                phaseSendLag[k].RecordValue(Math.Clamp((long)(lag * (1_000_000.0 / frequency)), 1, highest));
            }

            // Admitted: not shed. Refused or broken connections have no latency to speak of; timeouts count with the
            // time they had waited, as in the run's own figures.
            if (kind is SpikeOutcome.Ok or SpikeOutcome.Failed &&
                outcome.Failure is null or FailureKind.Timeout or FailureKind.Unfinished)
            {
                var microseconds = Math.Clamp((long)((outcome.EndedAt - outcome.Intended) * (1_000_000.0 / frequency)), 1, highest);
                phaseLatency[k].RecordValue(microseconds);
                if (outcome.WasSent)
                {
                    phaseFromSend[k].RecordValue(Math.Clamp((long)((outcome.EndedAt - outcome.SentAt) * (1_000_000.0 / frequency)), 1, highest));
                }

                admitted.RecordValue(microseconds);
                (windowLatency[w] ??= new LongHistogram(1, highest, 2)).RecordValue(microseconds);
            }
        }

        var phaseSummaries = new SpikePhaseSummary[phases.Count];
        var windows = new List<SpikeWindow>(firstWindow[phases.Count]);
        for (var k = 0; k < phases.Count; k++)
        {
            var scheduled = (k == phases.Count - 1 ? schedule.Count : schedule.DueBy(starts[k + 1] - 1)) - schedule.DueBy(starts[k] - 1);

            // Requests never sent (an interrupted run) leave no trace: they failed too.
            var unsent = Math.Max(0, scheduled - phaseRecorded[k]);
            phaseSummaries[k] = new SpikePhaseSummary
            {
                Name = phases[k].Name,
                Rate = phases[k].Rate,
                Start = Stopwatch.GetElapsedTime(windowStart, starts[k]),
                Duration = Stopwatch.GetElapsedTime(starts[k], starts[k + 1]),
                Scheduled = Math.Max(scheduled, phaseRecorded[k]),
                Sent = phaseSent[k],
                SentDuring = sentDuring[k],
                OkDuring = okDuring[k],
                Late = phaseLate[k],
                SendLagP99Ms = LatencySummary.At(phaseSendLag[k], 99),
                Ok = phaseCounts[k, (int)SpikeOutcome.Ok],
                Shed429 = phaseCounts[k, (int)SpikeOutcome.Shed429],
                Shed503 = phaseCounts[k, (int)SpikeOutcome.Shed503],
                Failed = phaseCounts[k, (int)SpikeOutcome.Failed] + unsent,
                Admitted = LatencySummary.From(phaseLatency[k]),
                AdmittedFromSend = LatencySummary.From(phaseFromSend[k]),
                RssPeakBytes = PeakRss(samples, starts[k], starts[k + 1]),
                CpuSeconds = CpuBetween(samples, starts[k], starts[k + 1]),
                EdgeShed = k + 1 < shedScrapes.Count ? ShedCounters.Delta(shedScrapes[k], shedScrapes[k + 1]) : null,
            };

            for (var w = firstWindow[k]; w < firstWindow[k + 1]; w++)
            {
                var from = starts[k] + (w - firstWindow[k]) * windowTicks;
                var to = Math.Min(from + windowTicks, starts[k + 1]);
                var latency = windowLatency[w];
                windows.Add(new SpikeWindow
                {
                    Phase = phases[k].Name,
                    Start = Stopwatch.GetElapsedTime(windowStart, from),
                    Length = Stopwatch.GetElapsedTime(from, to),
                    Ok = windowCounts[w, (int)SpikeOutcome.Ok],
                    Shed429 = windowCounts[w, (int)SpikeOutcome.Shed429],
                    Shed503 = windowCounts[w, (int)SpikeOutcome.Shed503],
                    Failed = windowCounts[w, (int)SpikeOutcome.Failed],
                    AdmittedP50Ms = latency is null ? null : LatencySummary.At(latency, 50),
                    AdmittedP99Ms = latency is null ? null : LatencySummary.At(latency, 99),
                    AdmittedMaxMs = latency is null ? null : LatencySummary.At(latency, 100),
                });
            }
        }

        var spike = IndexOf(phases, SpikePhase);
        TimeSpan? spikeEnd = spike >= 0 ? Stopwatch.GetElapsedTime(windowStart, starts[spike + 1]) : null;
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

    /// <summary>The phase whose span holds <paramref name="timestamp"/>, or null before the first and after the last.</summary>
    private static int? PhaseAt(long[] starts, long timestamp)
    {
        if (timestamp < starts[0] || timestamp >= starts[^1])
        {
            return null;
        }

        var k = starts.Length - 2;
        while (k > 0 && timestamp < starts[k])
        {
            k--;
        }

        return k;
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

using System.Diagnostics;
using HdrHistogram;
using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Spike;

/// <summary>One phase's counts and latency histograms while a spike drill's trace is read.</summary>
internal sealed class PhaseTally(long highest)
{
    private readonly long[] _counts = new long[4];
    private readonly LongHistogram _latency = new(1, highest, 3);
    private readonly LongHistogram _sendLag = new(1, highest, 3);
    private readonly LongHistogram _fromSend = new(1, highest, 3);
    private long _recorded;
    private long _sent;
    private long _late;

    /// <summary>Requests that left during this phase (by the clock, whatever phase offered them).</summary>
    public long SentDuring { get; set; }

    /// <summary>2xx answers that came back during this phase (by the clock).</summary>
    public long OkDuring { get; set; }

    /// <summary>Counts one outcome offered in this phase; returns its latency in µs when it was admitted (not shed), else null.</summary>
    public long? Record(TracedOutcome outcome, SpikeOutcome kind, long lateTicks)
    {
        var toMicroseconds = 1_000_000.0 / Stopwatch.Frequency;
        _counts[(int)kind]++;
        _recorded++;
        if (outcome.WasSent)
        {
            // Late: the send left after the threshold (no idle connection, or the scheduler behind): the edge did not
            // see the load when the schedule offered it.
            _sent++;
            var lag = Math.Max(0, outcome.SentAt - outcome.Intended);
            _late += lag > lateTicks ? 1 : 0;
            _sendLag.RecordValue(Math.Clamp((long)(lag * toMicroseconds), 1, highest));
        }

        // Admitted: not shed. Refused or broken connections have no latency to speak of; timeouts count with the time
        // they had waited, as in the run's own figures.
        if (kind is not (SpikeOutcome.Ok or SpikeOutcome.Failed) || outcome.Failure is not (null or FailureKind.Timeout or FailureKind.Unfinished))
        {
            return null;
        }

        var microseconds = Math.Clamp((long)((outcome.EndedAt - outcome.Intended) * toMicroseconds), 1, highest);
        _latency.RecordValue(microseconds);
        if (outcome.WasSent)
        {
            _fromSend.RecordValue(Math.Clamp((long)((outcome.EndedAt - outcome.SentAt) * toMicroseconds), 1, highest));
        }

        return microseconds;
    }

    /// <summary>The phase's figures (resources and shed counters are the caller's to add).</summary>
    public SpikePhaseSummary Summarize(RatePhase phase, PhaseGrid grid, int index)
    {
        var (from, to) = grid.Span(index);
        var scheduled = grid.Scheduled(index);

        // Requests never sent (an interrupted run) leave no trace: they failed too.
        var unsent = Math.Max(0, scheduled - _recorded);
        return new SpikePhaseSummary
        {
            Name = phase.Name,
            Rate = phase.Rate,
            Start = Stopwatch.GetElapsedTime(grid.WindowStart, from),
            Duration = Stopwatch.GetElapsedTime(from, to),
            Scheduled = Math.Max(scheduled, _recorded),
            Sent = _sent,
            SentDuring = SentDuring,
            OkDuring = OkDuring,
            Late = _late,
            SendLagP99Ms = LatencySummary.At(_sendLag, 99),
            Ok = _counts[(int)SpikeOutcome.Ok],
            Shed429 = _counts[(int)SpikeOutcome.Shed429],
            Shed503 = _counts[(int)SpikeOutcome.Shed503],
            Failed = _counts[(int)SpikeOutcome.Failed] + unsent,
            Admitted = LatencySummary.From(_latency),
            AdmittedFromSend = LatencySummary.From(_fromSend),
        };
    }
}

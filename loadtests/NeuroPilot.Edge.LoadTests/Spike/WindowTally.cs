using System.Diagnostics;
using HdrHistogram;
using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Spike;

/// <summary>One 250 ms window's counts and admitted latency while a spike drill's trace is read.</summary>
internal sealed class WindowTally(long highest)
{
    private readonly long[] _counts = new long[4];
    private LongHistogram? _latency;

    public void Record(SpikeOutcome kind, long? admittedMicroseconds)
    {
        _counts[(int)kind]++;
        if (admittedMicroseconds is { } microseconds)
        {
            (_latency ??= new LongHistogram(1, highest, 2)).RecordValue(microseconds);
        }
    }

    /// <summary>The window's figures; a window nothing was offered in (<paramref name="tally"/> null) has zeros and no latency.</summary>
    public static SpikeWindow Summarize(WindowTally? tally, string phase, PhaseGrid grid, long from, long to)
    {
        var latency = tally?._latency;
        return new SpikeWindow
        {
            Phase = phase,
            Start = Stopwatch.GetElapsedTime(grid.WindowStart, from),
            Length = Stopwatch.GetElapsedTime(from, to),
            Ok = tally?._counts[(int)SpikeOutcome.Ok] ?? 0,
            Shed429 = tally?._counts[(int)SpikeOutcome.Shed429] ?? 0,
            Shed503 = tally?._counts[(int)SpikeOutcome.Shed503] ?? 0,
            Failed = tally?._counts[(int)SpikeOutcome.Failed] ?? 0,
            AdmittedP50Ms = latency is null ? null : LatencySummary.At(latency, 50),
            AdmittedP99Ms = latency is null ? null : LatencySummary.At(latency, 99),
            AdmittedMaxMs = latency is null ? null : LatencySummary.At(latency, 100),
        };
    }
}

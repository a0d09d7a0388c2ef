using System.Diagnostics;
using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Spike;

/// <summary>
/// Where a spike drill's phases and 250 ms windows lie in intended time: phase k spans [starts[k], starts[k + 1]) of
/// the measured window, and each phase is cut into windows from its own start (the last one may be shorter).
/// </summary>
internal sealed class PhaseGrid
{
    private readonly RateSchedule _schedule;
    private readonly long[] _starts;
    private readonly int[] _firstWindow;
    private readonly long _windowTicks = (long)(SpikeAnalysis.WindowLength.TotalSeconds * Stopwatch.Frequency);

    public PhaseGrid(RunResult result, int phaseCount)
    {
        _schedule = result.Schedule();
        WindowStart = result.WindowStart;
        var windowEnd = WindowStart + (long)(result.Profile.Duration.TotalSeconds * Stopwatch.Frequency);
        _starts = new long[phaseCount + 1];
        for (var k = 0; k < phaseCount; k++)
        {
            _starts[k] = k == 0 ? WindowStart : Math.Min(_schedule.SegmentStart(Math.Min(k, _schedule.Segments - 1)), windowEnd);
        }

        _starts[phaseCount] = windowEnd;
        _firstWindow = new int[phaseCount + 1];
        for (var k = 0; k < phaseCount; k++)
        {
            var length = Math.Max(0, _starts[k + 1] - _starts[k]);
            _firstWindow[k + 1] = _firstWindow[k] + (int)((length + _windowTicks - 1) / _windowTicks);
        }
    }

    public long WindowStart { get; }

    public int WindowCount => _firstWindow[^1];

    /// <summary>Whether <paramref name="timestamp"/> lies in the measured window.</summary>
    public bool Holds(long timestamp) => timestamp >= _starts[0] && timestamp < _starts[^1];

    /// <summary>The phase whose span holds <paramref name="timestamp"/>, or null before the first and after the last.</summary>
    public int? PhaseAt(long timestamp)
    {
        if (!Holds(timestamp))
        {
            return null;
        }

        var k = _starts.Length - 2;
        while (k > 0 && timestamp < _starts[k])
        {
            k--;
        }

        return k;
    }

    /// <summary>The window of phase <paramref name="phase"/> that holds <paramref name="intended"/>.</summary>
    public int WindowOf(int phase, long intended) =>
        Math.Min(_firstWindow[phase] + (int)((intended - _starts[phase]) / _windowTicks), _firstWindow[phase + 1] - 1);

    public (long From, long To) Span(int phase) => (_starts[phase], _starts[phase + 1]);

    /// <summary>Requests the schedule offered in phase <paramref name="phase"/>.</summary>
    public long Scheduled(int phase) =>
        (phase == _starts.Length - 2 ? _schedule.Count : _schedule.DueBy(_starts[phase + 1] - 1)) - _schedule.DueBy(_starts[phase] - 1);

    /// <summary>The windows of phase <paramref name="phase"/>, in order, with their bounds.</summary>
    public IEnumerable<(int Index, long From, long To)> WindowsOf(int phase)
    {
        for (var w = _firstWindow[phase]; w < _firstWindow[phase + 1]; w++)
        {
            var from = _starts[phase] + ((w - _firstWindow[phase]) * _windowTicks);
            yield return (w, from, Math.Min(from + _windowTicks, _starts[phase + 1]));
        }
    }
}

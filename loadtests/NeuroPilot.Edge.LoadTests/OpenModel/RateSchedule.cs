namespace NeuroPilot.Edge.LoadTests.OpenModel;

/// <summary>
/// The constant-rate schedule: request <c>i</c> is intended to start at <c>start + i / rate</c>.
/// Computed from the index (not by adding intervals) so that it never drifts, however long the run.
/// </summary>
internal readonly struct RateSchedule
{
    private readonly long _start;
    private readonly double _ticksPerRequest;

    public RateSchedule(long startTimestamp, double rate, long ticksPerSecond, TimeSpan length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        _start = startTimestamp;
        _ticksPerRequest = ticksPerSecond / rate;
        Count = (long)Math.Ceiling(length.TotalSeconds * rate - 1e-9);
    }

    /// <summary>How many requests the schedule holds.</summary>
    public long Count { get; }

    /// <summary>The intended start of request <paramref name="index"/>.</summary>
    public long IntendedAt(long index) => _start + (long)(index * _ticksPerRequest);

    /// <summary>How many requests are due at <paramref name="timestamp"/> (intended at or before it).</summary>
    public long DueBy(long timestamp)
    {
        if (timestamp < _start)
        {
            return 0;
        }

        var due = (long)Math.Floor((timestamp - _start) / _ticksPerRequest) + 1;
        while (due > 0 && IntendedAt(due - 1) > timestamp)
        {
            due--;
        }

        while (due < Count && IntendedAt(due) <= timestamp)
        {
            due++;
        }

        return Math.Min(due, Count);
    }
}

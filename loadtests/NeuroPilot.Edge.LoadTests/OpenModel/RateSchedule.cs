namespace NeuroPilot.Edge.LoadTests.OpenModel;

/// <summary>
/// The open-model schedule: one or more segments of constant rate, back to back. Request <c>j</c> of a segment is
/// intended to start at <c>segment start + j / rate</c>. Computed from the index (not by adding intervals) so that it
/// never drifts, however long the run; a segment's requests all start before the next segment does.
/// </summary>
internal readonly struct RateSchedule
{
    private readonly long[] _segmentStarts;
    private readonly long[] _firstIndexes;
    private readonly double[] _ticksPerRequest;

    /// <summary>A constant rate for <paramref name="length"/>.</summary>
    public RateSchedule(long startTimestamp, double rate, long ticksPerSecond, TimeSpan length)
        : this(startTimestamp, [new RateSegment(rate, length)], ticksPerSecond)
    {
    }

    /// <summary>The segments one after the other, the first starting at <paramref name="startTimestamp"/>.</summary>
    public RateSchedule(long startTimestamp, IReadOnlyList<RateSegment> segments, long ticksPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfZero(segments.Count);
        _segmentStarts = new long[segments.Count];
        _firstIndexes = new long[segments.Count];
        _ticksPerRequest = new double[segments.Count];
        var offsetSeconds = 0.0;
        long index = 0;
        for (var i = 0; i < segments.Count; i++)
        {
            var (rate, length) = segments[i];
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
            _segmentStarts[i] = startTimestamp + (long)(offsetSeconds * ticksPerSecond);
            _firstIndexes[i] = index;
            _ticksPerRequest[i] = ticksPerSecond / rate;
            index += (long)Math.Ceiling(length.TotalSeconds * rate - 1e-9);
            offsetSeconds += length.TotalSeconds;
        }

        Count = index;
    }

    /// <summary>How many requests the schedule holds.</summary>
    public long Count { get; }

    /// <summary>How many segments it has.</summary>
    public int Segments => _segmentStarts.Length;

    /// <summary>
    /// The schedule of <paramref name="profile"/> starting at <paramref name="startTimestamp"/>: its rate for the warm-up
    /// and the duration, or, when it has <see cref="LoadProfile.Phases"/>, the first phase's rate for the warm-up and
    /// the first phase, then each further phase's.
    /// </summary>
    public static RateSchedule For(LoadProfile profile, long startTimestamp, long ticksPerSecond)
    {
        if (profile.Phases.Count == 0)
        {
            return new RateSchedule(startTimestamp, profile.Rate, ticksPerSecond, profile.Warmup + profile.Duration);
        }

        var segments = new RateSegment[profile.Phases.Count];
        for (var i = 0; i < segments.Length; i++)
        {
            var phase = profile.Phases[i];
            segments[i] = new RateSegment(phase.Rate, i == 0 ? profile.Warmup + phase.Duration : phase.Duration);
        }

        return new RateSchedule(startTimestamp, segments, ticksPerSecond);
    }

    /// <summary>The timestamp at which segment <paramref name="segment"/> begins.</summary>
    public long SegmentStart(int segment) => _segmentStarts[segment];

    /// <summary>The intended start of request <paramref name="index"/>.</summary>
    public long IntendedAt(long index)
    {
        var segment = _firstIndexes.Length - 1;
        while (segment > 0 && _firstIndexes[segment] > index)
        {
            segment--;
        }

        return _segmentStarts[segment] + (long)((index - _firstIndexes[segment]) * _ticksPerRequest[segment]);
    }

    /// <summary>How many requests are due at <paramref name="timestamp"/> (intended at or before it).</summary>
    public long DueBy(long timestamp)
    {
        if (timestamp < _segmentStarts[0])
        {
            return 0;
        }

        var segment = _segmentStarts.Length - 1;
        while (segment > 0 && _segmentStarts[segment] > timestamp)
        {
            segment--;
        }

        var end = segment + 1 < _firstIndexes.Length ? _firstIndexes[segment + 1] : Count;
        var due = Math.Min(_firstIndexes[segment] + (long)Math.Floor((timestamp - _segmentStarts[segment]) / _ticksPerRequest[segment]) + 1, end);
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

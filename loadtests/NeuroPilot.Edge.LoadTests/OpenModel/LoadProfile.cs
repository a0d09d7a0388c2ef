namespace NeuroPilot.Edge.LoadTests.OpenModel;

/// <summary>What an open-model run offers the target: a constant rate for a time, and how long it waits.</summary>
internal sealed record LoadProfile
{
    /// <summary>Requests per second, on a constant schedule.</summary>
    public required double Rate { get; init; }

    /// <summary>The measured window, after the warm-up.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Sent on the same schedule before the measured window, and left out of every result.</summary>
    public TimeSpan Warmup { get; init; } = LoadProfileDefaults.Warmup;

    /// <summary>A request still unanswered this long after its intended start is abandoned as a timeout.</summary>
    public TimeSpan Timeout { get; init; } = LoadProfileDefaults.Timeout;

    /// <summary>How long the run waits for in-flight requests after the last send; then they count as unfinished.</summary>
    public TimeSpan Grace { get; init; } = LoadProfileDefaults.Grace;

    /// <summary>A send that starts later than this after its intended time counts as late.</summary>
    public TimeSpan LateThreshold { get; init; } = LoadProfileDefaults.LateThreshold;

    /// <summary>
    /// When not empty, the measured window is these phases one after the other, each at its own rate (the warm-up at
    /// the first one's); <see cref="Duration"/> is then their total and <see cref="Rate"/> the mean rate offered.
    /// </summary>
    public IReadOnlyList<RatePhase> Phases { get; init; } = [];

    /// <summary>The longest the whole run can take, grace included: the run stops by itself by then.</summary>
    public TimeSpan MaxWallTime => Warmup + Duration + Grace;
}

using HdrHistogram;

namespace NeuroPilot.Edge.LoadTests.OpenModel;

/// <summary>
/// Everything one open-model run measured, warm-up excluded. Every scheduled request ends in exactly one outcome:
/// succeeded, an HTTP error status, or one of the <see cref="FailureKind"/>s.
/// </summary>
internal sealed class RunResult
{
    public required LoadProfile Profile { get; init; }

    /// <summary>Wall-clock time of the start of the measured window.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>The <see cref="System.Diagnostics.Stopwatch"/> timestamp of the start of the measured window.</summary>
    public long WindowStart { get; init; }

    /// <summary>Latency from the intended start to the end of the response, in microseconds.</summary>
    public required LongHistogram Latency { get; init; }

    /// <summary>Latency from the actual send to the end of the response (what a closed-loop tool reports).</summary>
    public required LongHistogram UncorrectedLatency { get; init; }

    /// <summary>How late sends started after their intended time, in microseconds.</summary>
    public required LongHistogram SendLag { get; init; }

    public long Scheduled { get; init; }

    public long Sent { get; init; }

    public long Succeeded { get; init; }

    /// <summary>Responses with a status of 400 or more.</summary>
    public long HttpErrors { get; init; }

    public required IReadOnlyDictionary<FailureKind, long> Failures { get; init; }

    /// <summary>Sends that could not start on time because every connection was busy.</summary>
    public long LateNoConnection { get; init; }

    /// <summary>Sends that started more than <see cref="LoadProfile.LateThreshold"/> late although a connection was free.</summary>
    public long LateScheduler { get; init; }

    /// <summary>Requests sent again on a fresh connection because a reused one turned out to be closed.</summary>
    public long Reconnects { get; init; }

    public int ConnectionsOpened { get; init; }

    /// <summary>From the start of the measured window to the last send in it.</summary>
    public TimeSpan SendWindow { get; init; }

    /// <summary>True when the run was stopped (Ctrl+C) before its end.</summary>
    public bool Interrupted { get; init; }

    public required IReadOnlyDictionary<int, long> StatusCodes { get; init; }

    public required IReadOnlyList<SecondStats> Seconds { get; init; }

    public required IReadOnlyList<RunMarker> Markers { get; init; }

    /// <summary>The first error message seen for each kind of failure, for diagnostics.</summary>
    public required IReadOnlyDictionary<FailureKind, string> FirstErrors { get; init; }

    /// <summary>
    /// The CPU the target's processes spent over the measured window, per response; null when the run was not asked
    /// to measure it (n/a figures carry their reason).
    /// </summary>
    public Platform.TargetCpu? TargetCpu { get; init; }

    /// <summary>Requests that got a response, whatever its status.</summary>
    public long Completed => Succeeded + HttpErrors;

    /// <summary>HTTP error statuses plus every failure without a response.</summary>
    public long Failed
    {
        get
        {
            var failed = HttpErrors;
            foreach (var count in Failures.Values)
            {
                failed += count;
            }

            return failed;
        }
    }

    public long Late => LateNoConnection + LateScheduler;

    public double ErrorRate => Scheduled == 0 ? 0 : (double)Failed / Scheduled;

    public double LateRate => Sent == 0 ? 0 : (double)Late / Sent;

    /// <summary>Requests sent per second of the measured window (longer than the duration when sends fell behind).</summary>
    public double RateAchieved
    {
        get
        {
            var seconds = Math.Max(Profile.Duration.TotalSeconds, SendWindow.TotalSeconds);
            return seconds <= 0 ? 0 : Sent / seconds;
        }
    }

    public LatencySummary LatencySummary => LatencySummary.From(Latency);

    public Budgets.RatioFigures Ratios => new(ErrorRate, LateRate);

    public long FailuresOf(FailureKind kind) => Failures.GetValueOrDefault(kind);

    /// <summary>
    /// The schedule the run followed, rebuilt from its profile and the start of its measured window (the scheduler
    /// started it the warm-up before, in the same ticks), so an analysis can count what each phase offered.
    /// </summary>
    public RateSchedule Schedule() =>
        RateSchedule.For(Profile, WindowStart - (long)(Profile.Warmup.TotalSeconds * System.Diagnostics.Stopwatch.Frequency), System.Diagnostics.Stopwatch.Frequency);
}

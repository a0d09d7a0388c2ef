namespace NeuroPilot.Edge.LoadTests.Platform;

/// <summary>
/// The CPU a target spent over a measured window (the difference of two <see cref="CpuReading"/>s) and the responses
/// it gave in that window: from them, CPU per request and requests per second of one core.
/// </summary>
internal sealed record TargetCpu(double? CpuSeconds, long Responses, string? UnavailableReason)
{
    /// <summary>
    /// Below this many clock ticks of CPU in a window (50 = 0.5 s at USER_HZ 100), the error of up to one tick at each
    /// end of the window (2 ticks) is over 4% of the figure.
    /// </summary>
    public const int PreciseTicks = 50;

    /// <summary>The CPU between <paramref name="before"/> and <paramref name="after"/>, for <paramref name="responses"/> responses.</summary>
    public static TargetCpu Between(CpuReading before, CpuReading after, long responses) =>
        before.Seconds is { } start && after.Seconds is { } end
            ? new TargetCpu(Math.Max(0, end - start), responses, null)
            : new TargetCpu(null, responses, before.UnavailableReason ?? after.UnavailableReason);

    /// <summary>Several windows of one target as one (the rounds of a comparison); n/a when any window is.</summary>
    public static TargetCpu Sum(IReadOnlyList<TargetCpu> windows)
    {
        var responses = windows.Sum(w => w.Responses);
        var unavailable = windows.FirstOrDefault(w => w.CpuSeconds is null);
        return unavailable is not null
            ? new TargetCpu(null, responses, unavailable.UnavailableReason)
            : new TargetCpu(windows.Sum(w => w.CpuSeconds!.Value), responses, null);
    }

    /// <summary>CPU per response in microseconds; null without a CPU figure or a response.</summary>
    public double? MicrosecondsPerRequest => CpuSeconds is { } cpu && Responses > 0 ? cpu * 1e6 / Responses : null;

    /// <summary>Responses per CPU-second: the rate one core would sustain at this cost; null when no CPU time was seen.</summary>
    public double? RequestsPerCoreSecond => CpuSeconds is > 0 and var cpu ? Responses / cpu : null;

    /// <summary>True when the CPU time is only a few clock ticks, so the figures are rough (±1 tick per reading).</summary>
    public bool Coarse => CpuSeconds is { } cpu && cpu * ProcessStats.ClockTicksPerSecond < PreciseTicks;

    /// <summary>Why a figure is missing, for the line under a table; null when both figures are there.</summary>
    public string? Why =>
        UnavailableReason ?? (Responses == 0 ? "no responses in the window" : CpuSeconds is <= 0 ? "no CPU tick counted in the window (run longer)" : null);
}

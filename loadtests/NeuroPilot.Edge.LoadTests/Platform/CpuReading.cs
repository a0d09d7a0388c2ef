namespace NeuroPilot.Edge.LoadTests.Platform;

/// <summary>One reading of a target's CPU time (user + kernel, seconds), or why there is none.</summary>
internal readonly record struct CpuReading(double? Seconds, string? UnavailableReason)
{
    public static CpuReading Of(double seconds) => new(seconds, null);

    public static CpuReading Unavailable(string reason) => new(null, reason);
}

namespace NeuroPilot.Edge.Dns.Internal;

/// <summary>
/// Capped exponential backoff with jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"), the one rule of
/// every DNS wait after a failure: before retry n the ceiling is min(first * 2^(n-1), cap) and the wait is uniform in
/// [minShare * ceiling, ceiling), so retries of a fleet hit by the same outage spread out instead of arriving together.
/// </summary>
internal static class Backoff
{
    /// <param name="retry">1 before the first retry (the second attempt).</param>
    /// <param name="first">The ceiling before the first retry.</param>
    /// <param name="cap">The largest ceiling.</param>
    /// <param name="minShare">The shortest wait as a share of the ceiling: 0 for full jitter.</param>
    /// <param name="random">Uniform in [0, 1): <see cref="Random.NextDouble"/>.</param>
    public static TimeSpan Delay(int retry, TimeSpan first, TimeSpan cap, double minShare, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        var ceiling = TimeSpan.FromTicks(Math.Min(first.Ticks << Math.Min(retry - 1, 30), cap.Ticks));

        return TimeSpan.FromTicks((long)(ceiling.Ticks * (minShare + ((1 - minShare) * Math.Clamp(random, 0, 1)))));
    }
}

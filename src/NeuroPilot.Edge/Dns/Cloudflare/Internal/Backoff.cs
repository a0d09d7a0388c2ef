namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>
/// Capped exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"): before
/// retry n the wait is uniform in [0, min(<see cref="Base"/> * 2^(n-1), <see cref="Cap"/>)), so retries of a
/// fleet hit by the same outage spread out instead of arriving together.
/// </summary>
internal static class Backoff
{
    public static readonly TimeSpan Base = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan Cap = TimeSpan.FromSeconds(1);

    /// <param name="retry">1 before the first retry (the second attempt).</param>
    /// <param name="random">Uniform in [0, 1): <see cref="Random.NextDouble"/>.</param>
    public static TimeSpan Delay(int retry, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        var ceiling = retry >= 8 ? Cap : TimeSpan.FromTicks(Math.Min(Base.Ticks << (retry - 1), Cap.Ticks));
        return TimeSpan.FromTicks((long)(ceiling.Ticks * Math.Clamp(random, 0, 1)));
    }
}

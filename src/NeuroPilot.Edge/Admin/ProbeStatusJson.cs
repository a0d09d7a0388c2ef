using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Admin;

/// <summary>A destination's last probe in <c>/admin/status</c>.</summary>
/// <param name="Ok">Whether the last probe succeeded.</param>
/// <param name="Result">What it got (<c>HTTP 200</c>, a timeout, a refused connection...).</param>
/// <param name="LatencyMs">Its duration in milliseconds, rounded to the microsecond.</param>
public sealed record ProbeStatusJson(bool Ok, string Result, double LatencyMs, DateTimeOffset At, int ConsecutiveFailures, int ConsecutiveSuccesses)
{
    public static ProbeStatusJson From(ProbeSnapshot probe) => new(
        probe.Last.Healthy,
        probe.Last.Detail,
        Math.Round(probe.Last.Duration.TotalMilliseconds, 3),
        probe.At,
        probe.ConsecutiveFailures,
        probe.ConsecutiveSuccesses);
}

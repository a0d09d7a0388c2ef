namespace NeuroPilot.Edge.Configuration;

/// <summary>Active health probes of each destination.</summary>
public sealed class HealthCheckOptions
{
    /// <summary>HTTP path probed with GET; null probes with a TCP connect.</summary>
    public string? Path { get; init; }

    public TimeSpan Interval { get; init; } = HealthCheckDefaults.Interval;

    /// <summary>Probe interval while a destination is suspect or recovering.</summary>
    public TimeSpan FastInterval { get; init; } = HealthCheckDefaults.FastInterval;

    public TimeSpan Timeout { get; init; } = HealthCheckDefaults.Timeout;

    /// <summary>Consecutive failed probes that mark a destination down (HAProxy <c>fall</c>).</summary>
    public int UnhealthyThreshold { get; init; } = HealthCheckDefaults.UnhealthyThreshold;

    /// <summary>Status codes that count as healthy (default 200-299).</summary>
    public IReadOnlyList<(int From, int To)> HealthyStatusCodes { get; init; } = [(200, 299)];

    /// <summary>Consecutive good probes that bring a destination back (HAProxy <c>rise</c>).</summary>
    public int HealthyThreshold { get; init; } = HealthCheckDefaults.HealthyThreshold;
}

using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Tests.Health.Internal;

/// <summary>The probe settings the scheduler and target tests run with: every 10 s, 1 s while suspect, a 2 s timeout.</summary>
internal static class ProbeTestOptions
{
    public static readonly HealthCheckOptions Standard = new()
    {
        Path = "/healthz",
        Interval = TimeSpan.FromSeconds(10),
        FastInterval = TimeSpan.FromSeconds(1),
        Timeout = TimeSpan.FromSeconds(2),
    };
}

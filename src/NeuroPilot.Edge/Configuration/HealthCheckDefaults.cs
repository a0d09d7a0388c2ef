namespace NeuroPilot.Edge.Configuration;

public static class HealthCheckDefaults
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan FastInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    public const int UnhealthyThreshold = 3;
    public const int HealthyThreshold = 2;
}

namespace NeuroPilot.Edge.Configuration;

public static class CircuitBreakerDefaults
{
    public const int ConsecutiveFailures = 5;
    public const double FailureRatio = 0.5;
    public const int MinimumThroughput = 20;
    public const int HalfOpenTrials = 3;
    public const int StallMinRequests = 2;
    public static readonly TimeSpan SamplingDuration = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MaxBreakDuration = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(1);
    public static readonly IReadOnlyList<int> FailureStatusCodes = [502, 503, 504];
}

namespace NeuroPilot.Edge.Configuration;

public static class RetryDefaults
{
    public const int MaxAttempts = 3;
    public const int BufferLimitBytes = 64 * 1024;
    public const double BudgetPercent = 20;
    public const int MinRetryConcurrency = 10;
    public static readonly IReadOnlyList<int> RetryOnStatusCodes = [502, 503, 504];
}

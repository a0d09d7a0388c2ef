using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Compare;

/// <summary>The percentiles a comparison table shows, in order.</summary>
internal sealed record ComparePercentile(string Name, string JsonName, Func<LatencySummary, double?> Get)
{
    public static IReadOnlyList<ComparePercentile> All { get; } =
    [
        new("p50", "p50", s => s.P50),
        new("p90", "p90", s => s.P90),
        new("p99", "p99", s => s.P99),
        new("p99.9", "p999", s => s.P999),
        new("max", "max", s => s.Max),
    ];
}

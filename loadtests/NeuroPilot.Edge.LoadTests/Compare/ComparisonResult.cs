using NeuroPilot.Edge.LoadTests.Budgets;
using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Compare;

/// <summary>A whole comparison: the same load against every target, round after round; the first target is the baseline.</summary>
internal sealed record ComparisonResult
{
    public required LoadProfile Profile { get; init; }

    public required int Rounds { get; init; }

    public required int Connections { get; init; }

    public required string Method { get; init; }

    public required IReadOnlyList<TargetComparison> Targets { get; init; }

    public required IReadOnlyList<Budget> BudgetsGiven { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public bool Interrupted { get; init; }

    public TargetComparison Baseline => Targets[0];

    public bool Passed => Targets.All(t => BudgetEvaluator.AllPassed(t.Budgets));

    /// <summary>Latency a target adds to the baseline at a percentile, in milliseconds.</summary>
    public static double? Added(ComparePercentile percentile, TargetComparison target, TargetComparison baseline) =>
        percentile.Get(target.Summary) - percentile.Get(baseline.Summary);

    /// <summary>Target latency over baseline latency at a percentile.</summary>
    public static double? Ratio(ComparePercentile percentile, TargetComparison target, TargetComparison baseline) =>
        percentile.Get(baseline.Summary) is > 0 and var b && percentile.Get(target.Summary) is { } t ? t / b : null;
}

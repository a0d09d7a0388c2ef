using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Budgets;

/// <summary>Checks budgets against results. A latency budget without any latency sample fails.</summary>
internal static class BudgetEvaluator
{
    public static IReadOnlyList<BudgetResult> Evaluate(IReadOnlyList<Budget> budgets, RunResult result) =>
        [.. budgets.Select(b => Check(b, b.Figure.Measure(result)))];

    /// <summary>
    /// Like <see cref="Evaluate(IReadOnlyList{Budget}, RunResult)"/>, with the figures the command measures itself
    /// (a drill's) taken from <paramref name="external"/>; null there (not measured) fails the budget.
    /// </summary>
    public static IReadOnlyList<BudgetResult> Evaluate(IReadOnlyList<Budget> budgets, RunResult result, Func<BudgetFigure, double?> external) =>
        [.. budgets.Select(b => Check(b, b.Figure.IsExternal ? external(b.Figure) : b.Figure.Measure(result)))];

    /// <summary>
    /// For <c>compare</c>: latency budgets cap the latency a target adds to the baseline's (same percentile),
    /// ratio budgets cap the target's own ratio.
    /// </summary>
    public static IReadOnlyList<BudgetResult> EvaluateAdded(IReadOnlyList<Budget> budgets, LatencySummary baseline, LatencySummary target, RatioFigures targetRatios)
    {
        return [.. budgets.Select(b =>
        {
            if (b.Figure.Kind == BudgetFigureKind.Ratio)
            {
                return Check(b, b.Figure.Measure(target, targetRatios));
            }

            var added = b.Figure.MeasureLatency(target) - b.Figure.MeasureLatency(baseline);
            return Check(b, added);
        })];
    }

    public static bool AllPassed(IEnumerable<BudgetResult> results) => results.All(r => r.Passed);

    private static BudgetResult Check(Budget budget, double? actual) =>
        new(budget, actual, actual is { } value && value <= budget.Limit + 1e-9);
}

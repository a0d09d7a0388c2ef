namespace NeuroPilot.Edge.LoadTests.Budgets;

/// <summary>A budget and what the run measured: it holds when the measured figure is at most the limit.</summary>
internal sealed record BudgetResult(Budget Budget, double? Actual, bool Passed)
{
    /// <summary>The measured figure as people write it, or "n/a" (no latency sample: a budget cannot hold on nothing).</summary>
    public string ActualDisplay => Actual is not { } actual ? "n/a" : Budget.Display(Budget.Figure.Kind, actual);
}

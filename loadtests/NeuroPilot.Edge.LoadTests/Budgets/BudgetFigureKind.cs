namespace NeuroPilot.Edge.LoadTests.Budgets;

/// <summary>What a budget figure measures.</summary>
internal enum BudgetFigureKind
{
    /// <summary>A latency in milliseconds (a percentile, the maximum or the mean).</summary>
    Latency,

    /// <summary>A share of requests, from 0 to 1.</summary>
    Ratio,
}

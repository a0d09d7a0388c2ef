namespace NeuroPilot.Edge.LoadTests.Budgets;

/// <summary>What a budget figure measures.</summary>
internal enum BudgetFigureKind
{
    /// <summary>A latency in milliseconds (a percentile, the maximum or the mean).</summary>
    Latency,

    /// <summary>A share of requests, from 0 to 1.</summary>
    Ratio,

    /// <summary>A time in milliseconds that is not a request's latency (a drill's failover time).</summary>
    Duration,

    /// <summary>A number of requests or events (a drill's failed requests).</summary>
    Count,

    /// <summary>An amount of memory in bytes (a spike drill's edge RSS).</summary>
    Bytes,
}

namespace NeuroPilot.Edge.LoadTests.Reports;

/// <summary>How a chart series is drawn.</summary>
internal enum ChartSeriesKind
{
    /// <summary>A line through the points; a missing value breaks the line.</summary>
    Line,

    /// <summary>One bar per point, from zero (or the bottom of a log axis).</summary>
    Bars,

    /// <summary>Marks only (budgets on a distribution chart).</summary>
    Points,
}

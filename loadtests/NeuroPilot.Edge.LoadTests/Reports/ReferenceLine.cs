namespace NeuroPilot.Edge.LoadTests.Reports;

/// <summary>A labelled straight line across a chart: a budget (horizontal) or a marker such as a fault (vertical).</summary>
internal sealed record ReferenceLine(double Value, string Label, string Color);

namespace NeuroPilot.Edge.LoadTests.Reports;

/// <summary>One point of a chart series; a null <see cref="Y"/> is a gap.</summary>
internal readonly record struct ChartPoint(double X, double? Y, string? Label = null);

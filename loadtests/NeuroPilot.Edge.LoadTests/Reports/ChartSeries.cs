namespace NeuroPilot.Edge.LoadTests.Reports;

/// <summary>A named, coloured series of a <see cref="SvgChart"/>.</summary>
internal sealed record ChartSeries(string Name, string Color, ChartSeriesKind Kind, IReadOnlyList<ChartPoint> Points)
{
    public bool Dashed { get; init; }

    public double StrokeWidth { get; init; } = 2;
}

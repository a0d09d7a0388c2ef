using HdrHistogram;

namespace NeuroPilot.Edge.LoadTests.OpenModel;

/// <summary>The usual percentiles of a latency histogram recorded in microseconds, in milliseconds.</summary>
internal sealed record LatencySummary
{
    public long Count { get; init; }

    public double? P50 { get; init; }

    public double? P75 { get; init; }

    public double? P90 { get; init; }

    public double? P95 { get; init; }

    public double? P99 { get; init; }

    public double? P999 { get; init; }

    public double? P9999 { get; init; }

    public double? Max { get; init; }

    public double? Mean { get; init; }

    public static LatencySummary From(HistogramBase microseconds)
    {
        if (microseconds.TotalCount == 0)
        {
            return new LatencySummary();
        }

        return new LatencySummary
        {
            Count = microseconds.TotalCount,
            P50 = At(microseconds, 50),
            P75 = At(microseconds, 75),
            P90 = At(microseconds, 90),
            P95 = At(microseconds, 95),
            P99 = At(microseconds, 99),
            P999 = At(microseconds, 99.9),
            P9999 = At(microseconds, 99.99),
            Max = Milliseconds(microseconds.HighestEquivalentValue(microseconds.GetMaxValue())),
            Mean = Math.Round(microseconds.GetMean() / 1000.0, 3),
        };
    }

    /// <summary>The value at <paramref name="percentile"/> (0-100) in milliseconds, or null without samples.</summary>
    public static double? At(HistogramBase microseconds, double percentile) =>
        microseconds.TotalCount == 0 ? null : Milliseconds(microseconds.GetValueAtPercentile(percentile));

    private static double Milliseconds(long microseconds) => Math.Round(microseconds / 1000.0, 3);
}

using System.Globalization;
using HdrHistogram;
using NeuroPilot.Edge.LoadTests.Budgets;

namespace NeuroPilot.Edge.LoadTests.Reports;

/// <summary>
/// The classic HdrHistogram percentile plot: latency against percentile on a "number of nines" axis
/// (0%, 90%, 99%, 99.9%, ...), so the tail is as readable as the median.
/// </summary>
internal static class DistributionChart
{
    /// <summary>One curve: a microsecond histogram.</summary>
    public sealed record Curve(string Name, string Color, HistogramBase Microseconds, bool Dashed = false);

    public static SvgChart Build(string title, IReadOnlyList<Curve> curves, IReadOnlyList<BudgetResult>? budgets = null)
    {
        var count = curves.Count == 0 ? 0 : curves.Max(c => c.Microseconds.TotalCount);
        var nines = Math.Clamp((int)Math.Ceiling(Math.Log10(Math.Max(count, 1))), 2, 6);
        var chart = new SvgChart
        {
            Title = title,
            XLabel = "percentile",
            YLabel = "latency (ms)",
            AutoLogY = true,
            XMin = 0,
            XMax = nines,
            XTicks = [.. Enumerable.Range(0, nines + 1).Select(i => (double)i)],
            XTickFormat = Label,
        };

        foreach (var curve in curves)
        {
            var points = new List<ChartPoint>();
            if (curve.Microseconds.TotalCount > 0)
            {
                foreach (var step in curve.Microseconds.Percentiles(5))
                {
                    var percentile = step.PercentileLevelIteratedTo;
                    if (percentile >= 100)
                    {
                        break;
                    }

                    var x = Math.Log10(100 / (100 - percentile));
                    if (x > nines)
                    {
                        break;
                    }

                    points.Add(new ChartPoint(x, step.ValueIteratedTo / 1000.0));
                }

                // The maximum, at the right edge.
                points.Add(new ChartPoint(nines, curve.Microseconds.GetMaxValue() / 1000.0));
            }

            chart.Series.Add(new ChartSeries(curve.Name, curve.Color, ChartSeriesKind.Line, points) { Dashed = curve.Dashed });
        }

        var marks = new List<ChartPoint>();
        foreach (var budget in budgets ?? [])
        {
            if (budget.Budget.Figure.Kind != BudgetFigureKind.Latency || X(budget.Budget.Figure.Name, nines) is not { } x || x > nines)
            {
                continue;
            }

            marks.Add(new ChartPoint(x, budget.Budget.Limit, $"{budget.Budget.Figure.Name} ≤ {budget.Budget.LimitDisplay}"));
        }

        if (marks.Count > 0)
        {
            chart.Series.Add(new ChartSeries("budget", "#b91c1c", ChartSeriesKind.Points, marks));
        }

        return chart;
    }

    /// <summary>Where a percentile figure sits on the nines axis.</summary>
    public static double? X(string figure, int nines) => figure switch
    {
        "p50" => Math.Log10(2),
        "p75" => Math.Log10(4),
        "p90" => 1,
        "p95" => Math.Log10(20),
        "p99" => 2,
        "p999" => 3,
        "p9999" => 4,
        "max" => nines,
        _ => null,
    };

    private static string Label(double nines) =>
        nines <= 0 ? "0%" : (100 - (100 / Math.Pow(10, nines))).ToString("0.#####", CultureInfo.InvariantCulture) + "%";
}

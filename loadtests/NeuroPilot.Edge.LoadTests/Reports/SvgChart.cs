using System.Globalization;
using System.Net;
using System.Text;

namespace NeuroPilot.Edge.LoadTests.Reports;

/// <summary>
/// A self-contained SVG chart (no script, no external resource): labelled axes with readable ticks and grid,
/// a legend, line, bar and point series, horizontal budget lines and vertical markers.
/// The output is well-formed XML so that the report is also valid XHTML.
/// </summary>
internal sealed class SvgChart
{
    private const double Left = 76;
    private const double Right = 28;
    private const double Top = 40;
    private const double Bottom = 52;

    public required string Title { get; init; }

    public required string XLabel { get; init; }

    public required string YLabel { get; init; }

    public int Width { get; init; } = 960;

    public int Height { get; init; } = 300;

    /// <summary>Switch the y axis to a log scale when line values span more than 100x (latency with a stall).</summary>
    public bool AutoLogY { get; init; }

    public double? XMin { get; init; }

    public double? XMax { get; init; }

    public double YMin { get; init; }

    public double? YMax { get; init; }

    /// <summary>Explicit x ticks (else picked from the range).</summary>
    public IReadOnlyList<double>? XTicks { get; init; }

    public Func<double, string> XTickFormat { get; init; } = DefaultTick;

    public Func<double, string> YTickFormat { get; init; } = DefaultTick;

    /// <summary>Width of a bar in x units.</summary>
    public double BarWidth { get; init; } = 0.8;

    public List<ChartSeries> Series { get; } = [];

    public List<ReferenceLine> HorizontalLines { get; } = [];

    public List<ReferenceLine> VerticalLines { get; } = [];

    public string Render()
    {
        var plot = new Plot(Left, Width - Right, Top, Height - Bottom);
        var xScale = XScale(plot);
        var (yScale, log) = YScale(plot);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" viewBox=\"0 0 {Width} {Height}\" width=\"100%\" role=\"img\" aria-label=\"{Encode(Title)}\" preserveAspectRatio=\"xMidYMid meet\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<title>{Encode(Title)}</title>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(plot.Left)}\" y=\"{F(plot.Top)}\" width=\"{F(plot.Right - plot.Left)}\" height=\"{F(plot.Bottom - plot.Top)}\" fill=\"#ffffff\" stroke=\"#d1d5db\"/>\n");
        AppendGrid(svg, plot, xScale, yScale);

        // Axis titles.
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F((plot.Left + plot.Right) / 2)}\" y=\"{F(Height - 10)}\" text-anchor=\"middle\" class=\"axis-label\">{Encode(XLabel)}</text>\n");
        var yLabel = log ? YLabel + " (log scale)" : YLabel;
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(16 {F((plot.Top + plot.Bottom) / 2)}) rotate(-90)\" text-anchor=\"middle\" class=\"axis-label\">{Encode(yLabel)}</text>\n");

        // Series: bars first, then lines, then points on top.
        foreach (var series in Series.Where(s => s.Kind == ChartSeriesKind.Bars))
        {
            AppendBars(svg, series, xScale, yScale);
        }

        foreach (var series in Series.Where(s => s.Kind == ChartSeriesKind.Line))
        {
            AppendLine(svg, series, xScale, yScale);
        }

        foreach (var series in Series.Where(s => s.Kind == ChartSeriesKind.Points))
        {
            AppendPoints(svg, series, xScale, yScale);
        }

        AppendReferenceLines(svg, plot, xScale, yScale);
        AppendLegend(svg, plot.Left, plot.Top);
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>The plot area in pixels.</summary>
    private readonly record struct Plot(double Left, double Right, double Top, double Bottom);

    private AxisScale XScale(Plot plot)
    {
        var xs = Series.SelectMany(s => s.Points).Select(p => p.X).ToList();
        var xMin = XMin ?? (xs.Count > 0 ? xs.Min() : 0);
        var xMax = XMax ?? (xs.Count > 0 ? xs.Max() : 1);
        return XTicks is { Count: > 0 } ticks
            ? AxisScale.Fixed(xMin, xMax, ticks, plot.Left, plot.Right)
            : AxisScale.Linear(xMin, xMax, plot.Left, plot.Right, 11);
    }

    /// <summary>The y scale, logarithmic when <see cref="AutoLogY"/> and the values span more than 100x.</summary>
    private (AxisScale Scale, bool Log) YScale(Plot plot)
    {
        var ys = Series.SelectMany(s => s.Points).Where(p => p.Y is not null).Select(p => p.Y!.Value)
            .Concat(HorizontalLines.Select(l => l.Value)).ToList();
        var yMax = YMax ?? (ys.Count > 0 ? ys.Max() : 1);
        if (yMax <= YMin)
        {
            yMax = YMin + 1;
        }

        var positive = ys.Where(y => y > 0).ToList();
        var log = AutoLogY && positive.Count >= 2 && positive.Max() / positive.Min() > 100;
        return log
            ? (AxisScale.Log(positive.Min(), positive.Max(), plot.Bottom, plot.Top), true)
            : (AxisScale.Linear(YMin, yMax * 1.05, plot.Bottom, plot.Top), false);
    }

    private void AppendGrid(StringBuilder svg, Plot plot, AxisScale xScale, AxisScale yScale)
    {
        foreach (var tick in yScale.Ticks)
        {
            if (tick < yScale.Min - 1e-12 || tick > yScale.Max + 1e-12)
            {
                continue;
            }

            var y = yScale.Pixel(tick);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(plot.Left)}\" y1=\"{F(y)}\" x2=\"{F(plot.Right)}\" y2=\"{F(y)}\" stroke=\"#e5e7eb\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(plot.Left - 8)}\" y=\"{F(y + 4)}\" text-anchor=\"end\" class=\"tick\">{Encode(YTickFormat(tick))}</text>\n");
        }

        foreach (var tick in xScale.Ticks)
        {
            if (tick < xScale.Min - 1e-12 || tick > xScale.Max + 1e-12)
            {
                continue;
            }

            var x = xScale.Pixel(tick);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(x)}\" y1=\"{F(plot.Top)}\" x2=\"{F(x)}\" y2=\"{F(plot.Bottom)}\" stroke=\"#f0f1f3\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(x)}\" y1=\"{F(plot.Bottom)}\" x2=\"{F(x)}\" y2=\"{F(plot.Bottom + 5)}\" stroke=\"#6b7280\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x)}\" y=\"{F(plot.Bottom + 19)}\" text-anchor=\"middle\" class=\"tick\">{Encode(XTickFormat(tick))}</text>\n");
        }
    }

    private void AppendReferenceLines(StringBuilder svg, Plot plot, AxisScale xScale, AxisScale yScale)
    {
        foreach (var line in HorizontalLines)
        {
            var y = yScale.Pixel(line.Value);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(plot.Left)}\" y1=\"{F(y)}\" x2=\"{F(plot.Right)}\" y2=\"{F(y)}\" stroke=\"{line.Color}\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(plot.Left + 6)}\" y=\"{F(y - 5)}\" class=\"ref\" style=\"fill:{line.Color}\">{Encode(line.Label)}</text>\n");
        }

        foreach (var line in VerticalLines)
        {
            var x = xScale.Pixel(line.Value);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(x)}\" y1=\"{F(plot.Top)}\" x2=\"{F(x)}\" y2=\"{F(plot.Bottom)}\" stroke=\"{line.Color}\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x + 4)}\" y=\"{F(plot.Top + 14)}\" class=\"ref\" style=\"fill:{line.Color}\">{Encode(line.Label)}</text>\n");
        }
    }

    /// <summary>A compact number for tick labels: 0, 2.5, 1,000, 0.05.</summary>
    public static string DefaultTick(double value)
    {
        var magnitude = Math.Abs(value);
        return magnitude == 0 ? "0"
            : magnitude >= 1000 ? value.ToString("#,##0", CultureInfo.InvariantCulture)
            : magnitude >= 1 ? value.ToString("0.##", CultureInfo.InvariantCulture)
            : value.ToString("0.####", CultureInfo.InvariantCulture);
    }

    private void AppendLegend(StringBuilder svg, double plotLeft, double plotTop)
    {
        var x = plotLeft;
        var y = plotTop - 16;
        foreach (var series in Series)
        {
            if (series.Kind == ChartSeriesKind.Bars)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(x)}\" y=\"{F(y - 6)}\" width=\"12\" height=\"10\" fill=\"{series.Color}\" fill-opacity=\"0.75\"/>\n");
            }
            else if (series.Kind == ChartSeriesKind.Points)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<path d=\"{Diamond(x + 6, y - 1, 5)}\" fill=\"{series.Color}\"/>\n");
            }
            else
            {
                var dash = series.Dashed ? " stroke-dasharray=\"5 3\"" : "";
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(x)}\" y1=\"{F(y - 1)}\" x2=\"{F(x + 16)}\" y2=\"{F(y - 1)}\" stroke=\"{series.Color}\" stroke-width=\"3\"{dash}/>\n");
            }

            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x + 22)}\" y=\"{F(y + 3)}\" class=\"legend\">{Encode(series.Name)}</text>\n");
            x += 22 + (series.Name.Length * 7) + 22;
        }
    }

    private static void AppendLine(StringBuilder svg, ChartSeries series, AxisScale xScale, AxisScale yScale)
    {
        var dash = series.Dashed ? " stroke-dasharray=\"6 4\"" : "";
        var segment = new List<(double X, double Y)>();
        void Flush()
        {
            if (segment.Count == 1)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(segment[0].X)}\" cy=\"{F(segment[0].Y)}\" r=\"2.5\" fill=\"{series.Color}\"/>\n");
            }
            else if (segment.Count > 1)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{series.Color}\" stroke-width=\"{F(series.StrokeWidth)}\" stroke-linejoin=\"round\"{dash} points=\"");
                foreach (var (x, y) in segment)
                {
                    svg.Append(CultureInfo.InvariantCulture, $"{F(x)},{F(y)} ");
                }

                svg.Append("\"/>\n");
            }

            segment.Clear();
        }

        foreach (var point in series.Points)
        {
            if (point.Y is not { } value || (yScale.IsLog && value <= 0))
            {
                Flush();
                continue;
            }

            segment.Add((xScale.Pixel(point.X), yScale.Pixel(value)));
        }

        Flush();
    }

    private void AppendBars(StringBuilder svg, ChartSeries series, AxisScale xScale, AxisScale yScale)
    {
        var halfWidth = Math.Max(1, (xScale.Pixel(xScale.Min + BarWidth) - xScale.Pixel(xScale.Min)) / 2);
        var zero = yScale.Pixel(yScale.IsLog ? yScale.Min : 0);
        foreach (var point in series.Points)
        {
            if (point.Y is not { } value || value == 0 || (yScale.IsLog && value < 0))
            {
                continue;
            }

            var x = xScale.Pixel(point.X);
            var y = yScale.Pixel(value);
            var top = Math.Min(y, zero);
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(x - halfWidth)}\" y=\"{F(top)}\" width=\"{F(halfWidth * 2)}\" height=\"{F(Math.Max(1, Math.Abs(zero - y)))}\" fill=\"{series.Color}\" fill-opacity=\"0.75\">");
            svg.Append(CultureInfo.InvariantCulture, $"<title>{Encode(point.Label ?? $"{series.Name}: {DefaultTick(value)}")}</title></rect>\n");
        }
    }

    private static void AppendPoints(StringBuilder svg, ChartSeries series, AxisScale xScale, AxisScale yScale)
    {
        foreach (var point in series.Points)
        {
            if (point.Y is not { } value)
            {
                continue;
            }

            var x = xScale.Pixel(point.X);
            var y = yScale.Pixel(value);
            svg.Append(CultureInfo.InvariantCulture, $"<path d=\"{Diamond(x, y, 6)}\" fill=\"{series.Color}\" stroke=\"#ffffff\" stroke-width=\"1\"><title>{Encode(point.Label ?? series.Name)}</title></path>\n");
            if (point.Label is not null)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x - 9)}\" y=\"{F(y - 8)}\" text-anchor=\"end\" class=\"ref\" style=\"fill:{series.Color}\">{Encode(point.Label)}</text>\n");
            }
        }
    }

    private static string Diamond(double x, double y, double r) =>
        string.Create(CultureInfo.InvariantCulture, $"M{F(x)} {F(y - r)} L{F(x + r)} {F(y)} L{F(x)} {F(y + r)} L{F(x - r)} {F(y)} Z");

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}

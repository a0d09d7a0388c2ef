using System.Text;
using HdrHistogram;
using NeuroPilot.Edge.LoadTests.Reports.Internal;

namespace NeuroPilot.Edge.LoadTests.Reports;

/// <summary>
/// Writes the report files of a run into a directory: <c>summary.json</c> (for machines), <c>summary.md</c>
/// (for CI job summaries), <c>latency.hgrm</c> (HdrHistogram percentile distribution, plottable with the usual
/// tools) and <c>report.html</c> (self-contained: inline SVG and CSS, no script, no external resource).
/// </summary>
internal static class ReportWriter
{
    public const string SummaryJsonFile = "summary.json";
    public const string SummaryMarkdownFile = "summary.md";
    public const string HistogramFile = "latency.hgrm";
    public const string HtmlFile = "report.html";

    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes the four files and returns their paths.</summary>
    public static IReadOnlyList<string> Write(string directory, RunReport report)
    {
        Directory.CreateDirectory(directory);
        var json = Path.Combine(directory, SummaryJsonFile);
        var markdown = Path.Combine(directory, SummaryMarkdownFile);
        var histogram = Path.Combine(directory, HistogramFile);
        var html = Path.Combine(directory, HtmlFile);

        File.WriteAllBytes(json, SummaryJson.Render(report));
        File.WriteAllText(markdown, SummaryMarkdown.Render(report), s_utf8);
        File.WriteAllText(histogram, PercentileDistribution(report.Result.Latency), s_utf8);
        File.WriteAllText(html, RunHtmlReport.Render(report), s_utf8);
        return [json, markdown, histogram, html];
    }

    /// <summary>The Markdown summary (the content of <c>summary.md</c>), also printed at the end of a run.</summary>
    public static string Markdown(RunReport report) => SummaryMarkdown.Render(report);

    /// <summary>HdrHistogram's classic percentile output of a microsecond histogram, with values in milliseconds.</summary>
    public static string PercentileDistribution(HistogramBase microseconds)
    {
        using var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        if (microseconds.TotalCount == 0)
        {
            writer.WriteLine("# no latency recorded");
            return writer.ToString();
        }

        microseconds.OutputPercentileDistribution(writer, percentileTicksPerHalfDistance: 5, outputValueUnitScalingRatio: 1000.0);
        return writer.ToString();
    }
}

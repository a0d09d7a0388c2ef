using System.Text.Json;
using NeuroPilot.Edge.LoadTests.Tests.TestKit;

namespace NeuroPilot.Edge.LoadTests.Tests.Reports;

[Collection(RunReportCollection.Name)]
public class ReportWriterTests(RunReportFixture fixture)
{
    [Fact]
    public void Write_AfterARun_WritesTheFourFiles()
    {
        Assert.True(fixture.Result.ExitCode == 99, fixture.Result.ToString());
        foreach (var file in new[] { "summary.json", "summary.md", "latency.hgrm", "report.html" })
        {
            Assert.True(new FileInfo(Path.Combine(fixture.Directory, file)).Length > 100, $"{file} is missing or tiny");
        }
    }

    [Fact]
    public void SummaryJson_HasTheFieldsAndTheyAreConsistent()
    {
        using var json = JsonDocument.Parse(fixture.Read("summary.json"));
        var root = json.RootElement;
        long Number(string name) => root.GetProperty(name).GetInt64();

        var scheduled = Number("scheduled");
        var sent = Number("sent");
        var completed = Number("completed");
        var succeeded = Number("succeeded");
        var failed = Number("failed");
        Assert.Equal(600, scheduled);
        Assert.InRange(sent, 588, 612);
        Assert.True(completed <= sent && sent <= scheduled);
        Assert.Equal(scheduled, succeeded + failed);
        Assert.InRange(root.GetProperty("rate_achieved").GetDouble(), 294, 306);

        var latency = root.GetProperty("latency_ms");
        var percentiles = new[] { "p50", "p90", "p99", "p999", "max" }.Select(p => latency.GetProperty(p).GetDouble()).ToArray();
        Assert.True(percentiles[0] > 0);
        Assert.Equal(percentiles.Order(), percentiles);

        var budgets = root.GetProperty("budgets").EnumerateArray().ToList();
        Assert.Equal(["p99=2s", "error-rate=1%", "p50=1us"], budgets.Select(b => b.GetProperty("budget").GetString()));
        Assert.Equal([true, true, false], budgets.Select(b => b.GetProperty("pass").GetBoolean()));
        Assert.False(root.GetProperty("passed").GetBoolean());

        var seconds = root.GetProperty("per_second").EnumerateArray().ToList();
        Assert.Equal(2, seconds.Count);
        Assert.Equal(scheduled, seconds.Sum(s => s.GetProperty("scheduled").GetInt64()));
        Assert.Equal(succeeded, root.GetProperty("status_codes").GetProperty("200").GetInt64());
    }

    [Fact]
    public void SummaryMarkdown_HasTheVerdictAndTheBudgetTable()
    {
        var markdown = fixture.Read("summary.md");

        Assert.Contains("## Report test: BREACHED", markdown, StringComparison.Ordinal);
        Assert.Contains("| p50 | 0.001 ms |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void LatencyHgrm_IsHdrHistogramPercentileOutput()
    {
        var hgrm = fixture.Read("latency.hgrm");

        Assert.Contains("Percentile", hgrm, StringComparison.Ordinal);
        Assert.Contains("#[Mean", hgrm, StringComparison.Ordinal);
        Assert.Contains("#[Max", hgrm, StringComparison.Ordinal);
        Assert.Contains("#[Buckets", hgrm, StringComparison.Ordinal);
    }

    [Fact]
    public void ReportHtml_IsWellFormedAndSelfContained()
    {
        var html = fixture.Read("report.html");

        HtmlAssert.SelfContained(html, minimumCharts: 4);
        Assert.Contains("Latency over time", html, StringComparison.Ordinal);
        Assert.Contains("Throughput", html, StringComparison.Ordinal);
        Assert.Contains("Errors and late sends", html, StringComparison.Ordinal);
        Assert.Contains("Latency distribution", html, StringComparison.Ordinal);
    }
}

using System.Globalization;
using System.Text;
using NeuroPilot.Edge.LoadTests.OpenModel;
using NeuroPilot.Edge.LoadTests.Spike;

namespace NeuroPilot.Edge.LoadTests.Reports.Internal;

/// <summary>The spike drill's part of <c>report.html</c>: key figures, the phase table, and four charts over time.</summary>
internal static class SpikeHtmlSection
{
    private const double MiB = 1024 * 1024;

    public static void Append(StringBuilder body, RunResult result, SpikeSummary spike)
    {
        static string Bytes(long? bytes) => bytes is { } b ? DisplayFormat.Bytes(b) : "n/a";
        var spikePhase = spike.Phases.FirstOrDefault(p => p.Name == SpikeAnalysis.SpikePhase) ?? spike.Phases[^1];
        var recovery = spike.RecoveryTimeMs switch
        {
            null => "never",
            0 => "0 ms",
            var ms => DisplayFormat.Milliseconds(ms),
        };

        body.Append("<section><h2>Spike drill: limits ").Append(spike.LimitsEnabled ? "on" : "off").Append("</h2>\n");
        body.Append("<p class=\"note\">A request belongs to the phase (and 250 ms window) of its intended start. Achieved: requests sent; late: sent more than the late threshold after their intended start (every connection was busy, or the scheduler was behind), so the edge saw less than the offered load then. Shed: 429 or 503 with <code>Retry-After</code>. Failed: anything else that is not 2xx (a 503 without <code>Retry-After</code>, timeouts, connection errors). Admitted latency: requests not shed, timeouts included. Recovery: from the end of the spike to the first window from which a second of windows shed nothing, failed nothing and kept admitted p99 within ")
            .Append(HtmlPage.Encode(DisplayFormat.Milliseconds(spike.RecoveryThresholdMs))).Append(". Limits: ")
            .Append(spike.LimitsJson is { } limits ? $"<code>{HtmlPage.Encode(limits)}</code>" : "none (no Limits section)")
            .Append(". Load average before / after: ").Append(HtmlPage.Encode($"{spike.LoadAverageBefore ?? "n/a"} / {spike.LoadAverageAfter ?? "n/a"}")).Append(".</p>\n");

        body.Append("<section class=\"cards\">\n");
        body.Append(HtmlPage.Card("Goodput in the spike", DisplayFormat.RateNumber(spikePhase.Goodput), $"2xx/s of {DisplayFormat.Rate(spikePhase.OfferedRate)} offered"));
        body.Append(HtmlPage.Card("Shed in the spike", DisplayFormat.Percent(spikePhase.Shed429Share + spikePhase.Shed503Share),
            $"429 {DisplayFormat.Percent(spikePhase.Shed429Share)}, 503 {DisplayFormat.Percent(spikePhase.Shed503Share)}"));
        body.Append(HtmlPage.Card("Admitted p99", DisplayFormat.Milliseconds(spike.P99AdmittedMs), "worst phase", spike.P99AdmittedMs is null));
        body.Append(HtmlPage.Card("Recovery", recovery, "after the spike", spike.RecoveryTimeMs is null));
        body.Append(HtmlPage.Card("Edge RSS peak", Bytes(spike.RssPeakBytes), $"VmHWM {Bytes(spike.RssHighWaterBytes)}, idle {Bytes(spike.RssIdleBytes)}"));
        body.Append(HtmlPage.Card("Failed", DisplayFormat.Percent(spike.FailedShare), $"{DisplayFormat.Count(spike.Failed)} requests", spike.Failed > 0));
        body.Append("</section>\n");

        body.Append(HtmlPage.Table(
            ["Phase", "#Offered", "#Achieved (late, p99 lag)", "#Goodput", "#Shed 429 / 503", "#Failed", "#Admitted p50 / p99 / max", "#p99 from send", "#RSS peak", "#CPU", "Edge shed counters"],
            spike.Phases.Select(p => (IReadOnlyList<string>)
            [
                HtmlPage.Encode($"{p.Name} ({DisplayFormat.Duration(p.Duration)})"),
                HtmlPage.Encode(DisplayFormat.Rate(p.OfferedRate)),
                HtmlPage.Encode($"{DisplayFormat.Rate(p.AchievedRate)} ({DisplayFormat.Percent(p.LateShare)}, {DisplayFormat.Milliseconds(p.SendLagP99Ms)})"),
                HtmlPage.Encode(DisplayFormat.Rate(p.Goodput)),
                HtmlPage.Encode($"{DisplayFormat.Percent(p.Shed429Share)} / {DisplayFormat.Percent(p.Shed503Share)}"),
                HtmlPage.Encode($"{DisplayFormat.Percent(p.FailedShare)} ({DisplayFormat.Count(p.Failed)})"),
                HtmlPage.Encode(p.Admitted.Count == 0 ? "n/a" : $"{DisplayFormat.Number(p.Admitted.P50!.Value)} / {DisplayFormat.Number(p.Admitted.P99!.Value)} / {DisplayFormat.Number(p.Admitted.Max!.Value)} ms"),
                HtmlPage.Encode(DisplayFormat.Milliseconds(p.AdmittedFromSend.P99)),
                HtmlPage.Encode(Bytes(p.RssPeakBytes)),
                HtmlPage.Encode(p.CpuSeconds is { } cpu ? $"{cpu.ToString("0.00", CultureInfo.InvariantCulture)} s" : "n/a"),
                HtmlPage.Encode(DisplayFormat.Counters(p.EdgeShed)),
            ])));

        var xMax = Math.Max(result.Profile.Duration.TotalSeconds, spike.Resources.Count > 0 ? spike.Resources[^1].AtSeconds : 0);
        var resources = spike.Resources.Where(r => r.AtSeconds >= 0).ToList();

        var outcomes = NewChart(result, "Outcomes per second (250 ms windows, by intended start)", "requests per second", autoLog: false, xMax);
        outcomes.Series.Add(WindowSeries(spike, "2xx", ChartColors.Responses, w => w.Ok));
        outcomes.Series.Add(WindowSeries(spike, "shed 503", ChartColors.Series(0), w => w.Shed503));
        outcomes.Series.Add(WindowSeries(spike, "shed 429", ChartColors.Series(4), w => w.Shed429));
        outcomes.Series.Add(WindowSeries(spike, "failed", ChartColors.Error, w => w.Failed));
        body.Append(outcomes.Render());

        var latency = NewChart(result, "Admitted latency per 250 ms window: p50, p99 and max", "latency (ms)", autoLog: true, xMax);
        latency.Series.Add(new ChartSeries("max", ChartColors.Max, ChartSeriesKind.Line, [.. spike.Windows.Select(w => new ChartPoint(Middle(w), w.AdmittedMaxMs))]) { StrokeWidth = 1.5, Dashed = true });
        latency.Series.Add(new ChartSeries("p99", ChartColors.P99, ChartSeriesKind.Line, [.. spike.Windows.Select(w => new ChartPoint(Middle(w), w.AdmittedP99Ms))]));
        latency.Series.Add(new ChartSeries("p50", ChartColors.P50, ChartSeriesKind.Line, [.. spike.Windows.Select(w => new ChartPoint(Middle(w), w.AdmittedP50Ms))]));
        latency.HorizontalLines.Add(new ReferenceLine(spike.RecoveryThresholdMs, $"recovery threshold {DisplayFormat.Milliseconds(spike.RecoveryThresholdMs)}", ChartColors.Budget));
        body.Append(latency.Render());

        var rss = NewChart(result, "Edge resident memory (VmRSS, every 100 ms)", "RSS (MiB)", autoLog: false, xMax);
        rss.Series.Add(new ChartSeries("RSS", ChartColors.P50, ChartSeriesKind.Line, [.. resources.Select(r => new ChartPoint(r.AtSeconds, Math.Round(r.RssBytes / MiB, 2)))]));
        body.Append(rss.Render());

        // Over half a second at least: CPU time comes in 10 ms ticks, too coarse for 100 ms steps.
        var cpu = NewChart(result, "Edge CPU (user + kernel), cores busy, per 500 ms", "cores", autoLog: false, xMax);
        cpu.Series.Add(new ChartSeries("CPU", ChartColors.P99, ChartSeriesKind.Line, CoresBusy(resources)));
        body.Append(cpu.Render());
        body.Append("</section>\n");
    }

    /// <summary>Cores busy between samples at least half a second apart (and over the last, shorter stretch).</summary>
    private static List<ChartPoint> CoresBusy(List<SpikeResourcePoint> resources)
    {
        var cores = new List<ChartPoint>();
        var from = 0;
        for (var i = 1; i < resources.Count; i++)
        {
            var (before, after) = (resources[from], resources[i]);
            var span = after.AtSeconds - before.AtSeconds;
            if (span >= 0.5 || (i == resources.Count - 1 && span > 0))
            {
                cores.Add(new ChartPoint((before.AtSeconds + after.AtSeconds) / 2, Math.Round((after.CpuSeconds - before.CpuSeconds) / span, 3)));
                from = i;
            }
        }

        return cores;
    }

    private static ChartSeries WindowSeries(SpikeSummary spike, string name, string color, Func<SpikeWindow, long> count) =>
        new(name, color, ChartSeriesKind.Line,
            [.. spike.Windows.Select(w => new ChartPoint(Middle(w), w.Length > TimeSpan.Zero ? Math.Round(count(w) / w.Length.TotalSeconds, 1) : null))]);

    private static double Middle(SpikeWindow window) => (window.Start + window.Length / 2).TotalSeconds;

    private static SvgChart NewChart(RunResult result, string title, string yLabel, bool autoLog, double xMax)
    {
        var chart = new SvgChart
        {
            Title = title,
            XLabel = "time since the end of the warm-up (s)",
            YLabel = yLabel,
            AutoLogY = autoLog,
            XMin = 0,
            XMax = Math.Max(1, Math.Ceiling(xMax)),
        };
        foreach (var marker in result.Markers)
        {
            chart.VerticalLines.Add(new ReferenceLine(marker.At.TotalSeconds, marker.Label, ChartColors.Marker));
        }

        return chart;
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using NeuroPilot.Edge.LoadTests.Reports;

namespace NeuroPilot.Edge.LoadTests.Compare;

/// <summary>The reports of a comparison: <c>compare.md</c>, <c>compare.json</c>, <c>compare.html</c>, <c>NAME.hgrm</c>.</summary>
internal static class CompareReport
{
    public const string MarkdownFile = "compare.md";
    public const string JsonFile = "compare.json";
    public const string HtmlFile = "compare.html";

    public static void Write(string directory, ComparisonResult comparison)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, MarkdownFile), Markdown(comparison));
        File.WriteAllBytes(Path.Combine(directory, JsonFile), Json(comparison));
        File.WriteAllText(Path.Combine(directory, HtmlFile), Html(comparison));
        foreach (var target in comparison.Targets)
        {
            File.WriteAllText(Path.Combine(directory, target.Target.Name + ".hgrm"), ReportWriter.PercentileDistribution(target.Latency));
        }
    }

    public static string Markdown(ComparisonResult comparison)
    {
        var baseline = comparison.Baseline;
        var md = new StringBuilder();
        md.AppendLine($"## Comparison: {Verdict(comparison)}");
        md.AppendLine();
        md.AppendLine(Describe(comparison));
        md.AppendLine();
        md.AppendLine("Latency, all rounds merged:");
        md.AppendLine();
        md.AppendLine("| Target | " + string.Join(" | ", ComparePercentile.All.Select(p => p.Name)) + " | errors | rate | CPU/req | req/s per core |");
        md.AppendLine("|---|" + string.Concat(ComparePercentile.All.Select(_ => "---:|")) + "---:|---:|---:|---:|");
        foreach (var target in comparison.Targets)
        {
            var name = target == baseline ? $"{target.Target.Name} (baseline)" : target.Target.Name;
            md.AppendLine($"| {name} | " + string.Join(" | ", ComparePercentile.All.Select(p => DisplayFormat.Milliseconds(p.Get(target.Summary)))) +
                $" | {DisplayFormat.Percent(target.Ratios.ErrorRate)} | {DisplayFormat.Rate(target.RateAchieved)} | {DisplayFormat.CpuPerRequest(target.Cpu)} | {DisplayFormat.PerCore(target.Cpu)} |");
        }

        md.Append(CpuNotes(comparison));

        md.AppendLine();
        md.AppendLine($"Added latency against {baseline.Target.Name} (and ratio):");
        md.AppendLine();
        md.AppendLine("| Target | " + string.Join(" | ", ComparePercentile.All.Select(p => p.Name)) + " |");
        md.AppendLine("|---|" + string.Concat(ComparePercentile.All.Select(_ => "---:|")));
        foreach (var target in comparison.Targets.Skip(1))
        {
            md.AppendLine($"| {target.Target.Name} | " + string.Join(" | ", ComparePercentile.All.Select(p => AddedCell(p, target, baseline))) + " |");
        }

        var budgets = comparison.Targets.SelectMany(t => t.Budgets.Select(b => (Target: t, Budget: b))).ToList();
        if (budgets.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("| Target | Budget | Limit | Measured | Result |");
            md.AppendLine("|---|---|---:|---:|---|");
            foreach (var (target, budget) in budgets)
            {
                var what = budget.Budget.Figure.Kind == Budgets.BudgetFigureKind.Latency ? $"added {budget.Budget.Figure.Name}" : budget.Budget.Figure.Name;
                md.AppendLine($"| {target.Target.Name} | {what} | {budget.Budget.LimitDisplay} | {budget.ActualDisplay} | {(budget.Passed ? "pass" : "**BREACHED**")} |");
            }
        }

        md.AppendLine();
        md.AppendLine("Per round, p50 / p99:");
        md.AppendLine();
        md.AppendLine("| Round | " + string.Join(" | ", comparison.Targets.Select(t => t.Target.Name)) + " |");
        md.AppendLine("|---|" + string.Concat(comparison.Targets.Select(_ => "---:|")));
        var rounds = comparison.Targets.Max(t => t.Rounds.Count);
        for (var round = 0; round < rounds; round++)
        {
            md.AppendLine($"| {round + 1} | " + string.Join(" | ", comparison.Targets.Select(t => RoundCell(t, round))) + " |");
        }

        return md.ToString();
    }

    /// <summary>
    /// Under the latency table: whose CPU each target's figures are, one line per target (the reason when n/a), and
    /// a warning when the figures rest on few clock ticks.
    /// </summary>
    private static string CpuNotes(ComparisonResult comparison)
    {
        var notes = new StringBuilder();
        notes.AppendLine();
        foreach (var target in comparison.Targets)
        {
            if (target.Processes is null)
            {
                continue;
            }

            var line = target.Cpu?.Why is { } why
                ? $"CPU of {target.Target.Name}: n/a: {why}"
                : $"CPU of {target.Target.Name}: {target.Processes.Describe()}";
            notes.AppendLine($"- {line}");
        }

        if (comparison.Targets.Any(t => t.Cpu is { Coarse: true, Why: null }))
        {
            notes.AppendLine(DisplayFormat.CoarseCpuNote);
        }

        return notes.Length > Environment.NewLine.Length ? notes.ToString() : "";
    }

    private static string Verdict(ComparisonResult comparison) =>
        comparison.BudgetsGiven.Count == 0 ? "done (no budget)" : comparison.Passed ? "PASS" : "BREACHED";

    private static string Describe(ComparisonResult comparison)
    {
        var profile = comparison.Profile;
        var warmup = profile.Warmup > TimeSpan.Zero ? $" (+{DisplayFormat.Duration(profile.Warmup)} warm-up)" : "";
        return $"{comparison.Method} at {DisplayFormat.Rate(profile.Rate)} for {DisplayFormat.Duration(profile.Duration)}{warmup} per run, " +
            $"{comparison.Rounds} rounds in alternation, {comparison.Connections} connections. Baseline: {comparison.Baseline.Target.Name} ({comparison.Baseline.Target.Url})." +
            (comparison.Interrupted ? " Interrupted: partial results." : "");
    }

    private static string AddedCell(ComparePercentile percentile, TargetComparison target, TargetComparison baseline)
    {
        var added = ComparisonResult.Added(percentile, target, baseline);
        var ratio = ComparisonResult.Ratio(percentile, target, baseline);
        return ratio is { } r ? $"{DisplayFormat.Delta(added)} (x{r.ToString("0.00", CultureInfo.InvariantCulture)})" : DisplayFormat.Delta(added);
    }

    private static string RoundCell(TargetComparison target, int round)
    {
        if (round >= target.Rounds.Count)
        {
            return "";
        }

        var s = target.Rounds[round].LatencySummary;
        return s.Count == 0 ? "n/a" : $"{DisplayFormat.Number(s.P50!.Value)} / {DisplayFormat.Number(s.P99!.Value)} ms";
    }

    private static byte[] Json(ComparisonResult comparison)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("schema", "neuropilot-loadtest/compare/v1");
            json.WriteString("started_at", comparison.StartedAt.ToString("O", CultureInfo.InvariantCulture));
            json.WriteString("method", comparison.Method);
            json.WriteNumber("rate_target", comparison.Profile.Rate);
            json.WriteNumber("duration_s", comparison.Profile.Duration.TotalSeconds);
            json.WriteNumber("warmup_s", comparison.Profile.Warmup.TotalSeconds);
            json.WriteNumber("rounds", comparison.Rounds);
            json.WriteNumber("connections", comparison.Connections);
            json.WriteString("baseline", comparison.Baseline.Target.Name);
            json.WriteBoolean("interrupted", comparison.Interrupted);
            json.WriteStartArray("targets");
            foreach (var target in comparison.Targets)
            {
                WriteTarget(json, target, comparison.Baseline);
            }

            json.WriteEndArray();
            json.WriteBoolean("passed", comparison.Passed);
            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static void WriteTarget(Utf8JsonWriter json, TargetComparison target, TargetComparison baseline)
    {
        json.WriteStartObject();
        json.WriteString("name", target.Target.Name);
        json.WriteString("url", target.Target.Url.ToString());
        if (target.Target.PeerName is { } peer)
        {
            json.WriteString("peer", peer);
        }

        json.WriteNumber("scheduled", target.Scheduled);
        json.WriteNumber("failed", target.Failed);
        json.WriteNumber("error_rate", Math.Round(target.Ratios.ErrorRate, 6));
        json.WriteNumber("rate_achieved", Math.Round(target.RateAchieved, 2));
        json.WriteLatency("latency_ms", target.Summary);
        json.WriteCpu("cpu", target.Cpu, target.Processes);
        json.WriteStartObject("added_ms");
        foreach (var percentile in ComparePercentile.All)
        {
            json.WriteNullable(percentile.JsonName, ComparisonResult.Added(percentile, target, baseline) is { } a ? Math.Round(a, 3) : null);
        }

        json.WriteEndObject();
        json.WriteStartObject("ratio");
        foreach (var percentile in ComparePercentile.All)
        {
            json.WriteNullable(percentile.JsonName, ComparisonResult.Ratio(percentile, target, baseline) is { } r ? Math.Round(r, 3) : null);
        }

        json.WriteEndObject();
        json.WriteStartArray("rounds");
        foreach (var round in target.Rounds)
        {
            json.WriteStartObject();
            json.WriteNumber("sent", round.Sent);
            json.WriteNumber("failed", round.Failed);
            json.WriteNumber("rate_achieved", Math.Round(round.RateAchieved, 2));
            json.WriteLatency("latency_ms", round.LatencySummary);
            json.WriteCpu("cpu", round.TargetCpu);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("budgets");
        foreach (var budget in target.Budgets)
        {
            json.WriteStartObject();
            json.WriteString("budget", budget.Budget.Text);
            json.WriteString("measures", budget.Budget.Figure.Kind == Budgets.BudgetFigureKind.Latency ? "added latency (ms)" : "ratio");
            json.WriteNumber("limit", budget.Budget.Limit);
            json.WriteNullable("actual", budget.Actual is { } a ? Math.Round(a, 6) : null);
            json.WriteBoolean("pass", budget.Passed);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static string Html(ComparisonResult comparison)
    {
        var baseline = comparison.Baseline;
        var body = new StringBuilder();
        body.Append("<header><h1>Comparison</h1>").Append(HtmlPage.Verdict(comparison.BudgetsGiven.Count > 0, comparison.Passed)).Append("</header>\n");
        body.Append("<p class=\"sub\">").Append(HtmlPage.Encode(Describe(comparison))).Append("</p>\n");

        body.Append("<section><h2>Latency, all rounds merged</h2>\n");
        body.Append(HtmlPage.Table(
            ["Target", .. ComparePercentile.All.Select(p => "#" + p.Name), "#Errors", "#Rate", "#CPU/req", "#req/s per core"],
            comparison.Targets.Select(t => (IReadOnlyList<string>)
            [
                HtmlPage.Encode(t.Target.Name) + (t == baseline ? " <span class=\"note\">baseline</span>" : ""),
                .. ComparePercentile.All.Select(p => DisplayFormat.Milliseconds(p.Get(t.Summary))),
                DisplayFormat.Percent(t.Ratios.ErrorRate),
                DisplayFormat.Rate(t.RateAchieved),
                HtmlPage.Encode(DisplayFormat.CpuPerRequest(t.Cpu)),
                HtmlPage.Encode(DisplayFormat.PerCore(t.Cpu)),
            ])));
        body.Append("<p class=\"note\">").Append(HtmlPage.Encode(CpuNotes(comparison).Trim()).Replace("\n", "<br/>", StringComparison.Ordinal)).Append("</p>\n");
        body.Append("</section>\n");

        body.Append("<section><h2>Added latency against ").Append(HtmlPage.Encode(baseline.Target.Name)).Append("</h2>\n");
        body.Append("<p class=\"note\">Target minus baseline at the same percentile, and the ratio target / baseline.</p>\n");
        body.Append(HtmlPage.Table(
            ["Target", .. ComparePercentile.All.Select(p => "#" + p.Name)],
            comparison.Targets.Skip(1).Select(t => (IReadOnlyList<string>)
            [
                HtmlPage.Encode(t.Target.Name),
                .. ComparePercentile.All.Select(p => HtmlPage.Encode(AddedCell(p, t, baseline))),
            ])));
        body.Append(AddedChart(comparison).Render());
        body.Append("</section>\n");

        var budgets = comparison.Targets.SelectMany(t => t.Budgets.Select(b => (Target: t, Budget: b))).ToList();
        if (budgets.Count > 0)
        {
            body.Append("<section><h2>Budgets</h2>\n<p class=\"note\">Latency budgets cap the latency a target adds to the baseline; error-rate caps its own error rate.</p>\n");
            body.Append(HtmlPage.Table(
                ["Target", "Budget", "#Limit", "#Measured", "Result"],
                budgets.Select(x => (IReadOnlyList<string>)
                [
                    HtmlPage.Encode(x.Target.Target.Name),
                    HtmlPage.Encode(x.Budget.Budget.Figure.Kind == Budgets.BudgetFigureKind.Latency ? $"added {x.Budget.Budget.Figure.Name}" : x.Budget.Budget.Figure.Name),
                    HtmlPage.Encode(x.Budget.Budget.LimitDisplay),
                    HtmlPage.Encode(x.Budget.ActualDisplay),
                    HtmlPage.PassCell(x.Budget.Passed),
                ])));
            body.Append("</section>\n");
        }

        body.Append("<section><h2>Latency distribution</h2>\n");
        body.Append(DistributionChart.Build(
            "Latency by percentile, every target",
            [.. comparison.Targets.Select((t, i) => new DistributionChart.Curve(t.Target.Name, ChartColors.Series(i), t.Latency, Dashed: i == 0))]).Render());
        body.Append("</section>\n");

        body.Append("<section><h2>Round by round</h2>\n<p class=\"note\">p99 of each run: the spread between rounds is the noise floor of the comparison.</p>\n");
        body.Append(RoundsChart(comparison).Render());
        body.Append("</section>\n");
        body.Append("<footer>Generated by neuropilot-loadtest. Machine-readable: <code>compare.json</code>; distributions: <code>NAME.hgrm</code>.</footer>\n");
        return HtmlPage.Render($"Comparison: {Verdict(comparison)}", body.ToString());
    }

    private static SvgChart AddedChart(ComparisonResult comparison)
    {
        var others = comparison.Targets.Skip(1).ToList();
        var width = 0.8 / Math.Max(1, others.Count);
        var chart = new SvgChart
        {
            Title = "Added latency per percentile",
            XLabel = "percentile",
            YLabel = $"added to {comparison.Baseline.Target.Name} (ms)",
            XMin = -0.5,
            XMax = ComparePercentile.All.Count - 0.5,
            XTicks = [.. Enumerable.Range(0, ComparePercentile.All.Count).Select(i => (double)i)],
            XTickFormat = x => ComparePercentile.All[Math.Clamp((int)Math.Round(x), 0, ComparePercentile.All.Count - 1)].Name,
            YMin = Math.Min(0, others.SelectMany(t => ComparePercentile.All.Select(p => ComparisonResult.Added(p, t, comparison.Baseline) ?? 0)).DefaultIfEmpty(0).Min()),
            BarWidth = width * 0.9,
        };
        for (var j = 0; j < others.Count; j++)
        {
            var target = others[j];
            var offset = (j - ((others.Count - 1) / 2.0)) * width;
            var points = ComparePercentile.All.Select((p, i) =>
            {
                var added = ComparisonResult.Added(p, target, comparison.Baseline);
                return new ChartPoint(i + offset, added, $"{target.Target.Name} {p.Name}: {DisplayFormat.Delta(added)}");
            }).ToList();
            chart.Series.Add(new ChartSeries(target.Target.Name, ChartColors.Series(j + 1), ChartSeriesKind.Bars, points));
        }

        return chart;
    }

    private static SvgChart RoundsChart(ComparisonResult comparison)
    {
        var rounds = comparison.Targets.Max(t => t.Rounds.Count);
        var chart = new SvgChart
        {
            Title = "p99 per round",
            XLabel = "round",
            YLabel = "p99 latency (ms)",
            AutoLogY = true,
            XMin = 0.5,
            XMax = rounds + 0.5,
            XTicks = [.. Enumerable.Range(1, rounds).Select(i => (double)i)],
        };
        for (var i = 0; i < comparison.Targets.Count; i++)
        {
            var target = comparison.Targets[i];
            chart.Series.Add(new ChartSeries(target.Target.Name, ChartColors.Series(i), ChartSeriesKind.Line,
                [.. target.Rounds.Select((r, k) => new ChartPoint(k + 1, r.LatencySummary.P99))]));
        }

        return chart;
    }
}

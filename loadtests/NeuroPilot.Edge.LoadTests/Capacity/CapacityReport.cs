using System.Globalization;
using System.Text;
using System.Text.Json;
using NeuroPilot.Edge.LoadTests.Reports;

namespace NeuroPilot.Edge.LoadTests.Capacity;

/// <summary>The reports of a capacity ramp: <c>capacity.md</c>, <c>capacity.json</c>, <c>capacity.html</c>.</summary>
internal static class CapacityReport
{
    public const string MarkdownFile = "capacity.md";
    public const string JsonFile = "capacity.json";
    public const string HtmlFile = "capacity.html";

    public static void Write(string directory, CapacityResult capacity)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, MarkdownFile), Markdown(capacity));
        File.WriteAllBytes(Path.Combine(directory, JsonFile), Json(capacity));
        File.WriteAllText(Path.Combine(directory, HtmlFile), Html(capacity));
    }

    public static string Headline(CapacityResult capacity)
    {
        var budgets = string.Join(", ", capacity.BudgetsGiven.Select(b => b.Text));
        var found = capacity.Capacity switch
        {
            null => $"no rate tried met {budgets} (the first step, {DisplayFormat.Rate(capacity.Steps[0].Rate)}, did not)",
            { } rate when capacity.ReachedMax => $"at least {DisplayFormat.Rate(rate)}: every step up to the maximum tried met {budgets}",
            { } rate => $"{DisplayFormat.Rate(rate)}: the highest rate tried that met {budgets}",
        };
        var required = capacity.Required is { } r ? $" (required: {DisplayFormat.Rate(r)})" : "";
        return $"Capacity {found}{required}";
    }

    public static string Markdown(CapacityResult capacity)
    {
        var md = new StringBuilder();
        md.AppendLine($"## Capacity: {(capacity.Passed ? "PASS" : "BREACHED")}");
        md.AppendLine();
        md.AppendLine($"{capacity.Method} {capacity.Target}, {capacity.Connections} connections.");
        md.AppendLine();
        md.AppendLine($"**{Headline(capacity)}**");
        md.AppendLine();
        md.AppendLine("| Rate | Sent | p50 | p99 | p99.9 | Errors | CPU/req | req/s per core | Result |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var step in capacity.Steps)
        {
            var s = step.Result.LatencySummary;
            md.AppendLine($"| {DisplayFormat.Rate(step.Rate)} | {DisplayFormat.Rate(step.Result.RateAchieved)} | {DisplayFormat.Milliseconds(s.P50)} | {DisplayFormat.Milliseconds(s.P99)} | {DisplayFormat.Milliseconds(s.P999)} | {DisplayFormat.Percent(step.Result.ErrorRate)} | {DisplayFormat.CpuPerRequest(step.Result.TargetCpu)} | {DisplayFormat.PerCore(step.Result.TargetCpu)} | {(step.Passed ? "ok" : "**" + step.Why() + "**")} |");
        }

        md.Append(CpuNote(capacity));
        return md.ToString();
    }

    /// <summary>Under the table: whose CPU the figures are, or why they are n/a; a warning when they rest on few clock ticks.</summary>
    private static string CpuNote(CapacityResult capacity)
    {
        if (capacity.Processes is not { } processes)
        {
            return "";
        }

        var why = capacity.Steps.Select(s => s.Result.TargetCpu?.Why).FirstOrDefault(w => w is not null);
        var note = $"\n- CPU of the target: {(processes.UnavailableReason is null && why is not null ? "n/a: " + why : processes.Describe())}\n";
        return capacity.Steps.Any(s => s.Result.TargetCpu is { Coarse: true, Why: null }) ? note + DisplayFormat.CoarseCpuNote + "\n" : note;
    }

    private static byte[] Json(CapacityResult capacity)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("schema", "neuropilot-loadtest/capacity/v1");
            json.WriteString("target", capacity.Target.ToString());
            json.WriteString("method", capacity.Method);
            json.WriteString("started_at", capacity.StartedAt.ToString("O", CultureInfo.InvariantCulture));
            json.WriteNumber("connections", capacity.Connections);
            json.WriteStartArray("budgets");
            foreach (var budget in capacity.BudgetsGiven)
            {
                json.WriteStringValue(budget.Text);
            }

            json.WriteEndArray();
            json.WriteNullable("capacity_rate", capacity.Capacity);
            json.WriteBoolean("reached_max", capacity.ReachedMax);
            json.WriteNullable("required_rate", capacity.Required);
            json.WriteBoolean("passed", capacity.Passed);
            if (capacity.Processes is { } processes)
            {
                json.WriteStartObject("cpu_of");
                json.WriteStartArray("processes");
                foreach (var pid in processes.ProcessIds)
                {
                    json.WriteNumberValue(pid);
                }

                json.WriteEndArray();
                json.WriteString("found_by", processes.UnavailableReason is null ? processes.Source : null);
                json.WriteString("unavailable", processes.UnavailableReason);
                json.WriteEndObject();
            }

            json.WriteStartArray("steps");
            foreach (var step in capacity.Steps)
            {
                json.WriteStartObject();
                json.WriteNumber("rate_target", step.Rate);
                json.WriteNumber("rate_achieved", Math.Round(step.Result.RateAchieved, 2));
                json.WriteNumber("sent", step.Result.Sent);
                json.WriteNumber("failed", step.Result.Failed);
                json.WriteNumber("error_rate", Math.Round(step.Result.ErrorRate, 6));
                json.WriteLatency("latency_ms", step.Result.LatencySummary);
                json.WriteCpu("cpu", step.Result.TargetCpu);
                json.WriteStartArray("budgets");
                foreach (var budget in step.Budgets)
                {
                    json.WriteStartObject();
                    json.WriteString("budget", budget.Budget.Text);
                    json.WriteNullable("actual", budget.Actual);
                    json.WriteBoolean("pass", budget.Passed);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteBoolean("pass", step.Passed);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static string Html(CapacityResult capacity)
    {
        var body = new StringBuilder();
        body.Append("<header><h1>Capacity</h1>").Append(HtmlPage.Verdict(true, capacity.Passed)).Append("</header>\n");
        body.Append("<p class=\"sub\">").Append(HtmlPage.Encode($"{capacity.Method} {capacity.Target}, {capacity.Connections} connections")).Append("</p>\n");
        body.Append("<section class=\"cards\">\n");
        body.Append(HtmlPage.Card("Capacity", capacity.Capacity is { } c ? DisplayFormat.Rate(c) : "none", capacity.ReachedMax ? "at least (every step passed)" : "highest rate within budget", !capacity.Passed));
        body.Append(HtmlPage.Card("Budgets", string.Join(" ", capacity.BudgetsGiven.Select(b => b.Text)), "held by every step up to the capacity"));
        body.Append(HtmlPage.Card("Steps", capacity.Steps.Count.ToString(CultureInfo.InvariantCulture), "runs, each with its own warm-up"));
        body.Append("</section>\n");
        body.Append("<section><h2>").Append(HtmlPage.Encode(Headline(capacity))).Append("</h2>\n");

        var latency = new SvgChart
        {
            Title = "Latency against offered rate",
            XLabel = "offered rate (req/s)",
            YLabel = "latency (ms)",
            AutoLogY = true,
            XMin = 0,
            XMax = capacity.Steps.Max(s => s.Rate) * 1.05,
        };
        latency.Series.Add(new ChartSeries("p99", ChartColors.P99, ChartSeriesKind.Line, [.. capacity.Steps.Select(s => new ChartPoint(s.Rate, s.Result.LatencySummary.P99))]));
        latency.Series.Add(new ChartSeries("p50", ChartColors.P50, ChartSeriesKind.Line, [.. capacity.Steps.Select(s => new ChartPoint(s.Rate, s.Result.LatencySummary.P50))]));
        foreach (var budget in capacity.BudgetsGiven.Where(b => b.Figure.Kind == Budgets.BudgetFigureKind.Latency))
        {
            latency.HorizontalLines.Add(new ReferenceLine(budget.Limit, $"{budget.Figure.Name} budget {budget.LimitDisplay}", ChartColors.Budget));
        }

        if (capacity.Capacity is { } found)
        {
            latency.VerticalLines.Add(new ReferenceLine(found, $"capacity {DisplayFormat.Rate(found)}", ChartColors.Marker));
        }

        body.Append(latency.Render());
        body.Append(HtmlPage.Table(
            ["#Offered", "#Sent", "#p50", "#p99", "#p99.9", "#Errors", "#CPU/req", "#req/s per core", "Result"],
            capacity.Steps.Select(s => (IReadOnlyList<string>)
            [
                DisplayFormat.Rate(s.Rate),
                DisplayFormat.Rate(s.Result.RateAchieved),
                DisplayFormat.Milliseconds(s.Result.LatencySummary.P50),
                DisplayFormat.Milliseconds(s.Result.LatencySummary.P99),
                DisplayFormat.Milliseconds(s.Result.LatencySummary.P999),
                DisplayFormat.Percent(s.Result.ErrorRate),
                HtmlPage.Encode(DisplayFormat.CpuPerRequest(s.Result.TargetCpu)),
                HtmlPage.Encode(DisplayFormat.PerCore(s.Result.TargetCpu)),
                s.Passed ? HtmlPage.PassCell(true) : "<span class=\"breach\">" + HtmlPage.Encode(s.Why()) + "</span>",
            ])));
        body.Append("<p class=\"note\">").Append(HtmlPage.Encode(CpuNote(capacity).Trim())).Append("</p>\n");
        body.Append("</section>\n<footer>Generated by neuropilot-loadtest. Machine-readable: <code>capacity.json</code>.</footer>\n");
        return HtmlPage.Render($"Capacity: {(capacity.Passed ? "PASS" : "BREACHED")}", body.ToString());
    }
}

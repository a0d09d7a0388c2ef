using System.Text;
using NeuroPilot.Edge.LoadTests.Drill;
using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Reports.Internal;

/// <summary><c>summary.md</c>, also printed at the end of a run: fits a CI job summary (<c>$GITHUB_STEP_SUMMARY</c>).</summary>
internal static class SummaryMarkdown
{
    public static string Render(RunReport report)
    {
        var result = report.Result;
        var latency = result.LatencySummary;
        var uncorrected = LatencySummary.From(result.UncorrectedLatency);
        var md = new StringBuilder();
        md.AppendLine($"## {report.Title}: {Verdict(report)}");
        md.AppendLine();
        md.AppendLine(report.Describe());
        if (result.Interrupted)
        {
            md.AppendLine();
            md.AppendLine("**Interrupted before the end: partial results.**");
        }

        md.AppendLine();
        md.AppendLine("| | |");
        md.AppendLine("|---|---|");
        md.AppendLine($"| Sent | {DisplayFormat.Count(result.Sent)} of {DisplayFormat.Count(result.Scheduled)} scheduled, {DisplayFormat.Rate(result.RateAchieved)} (target {DisplayFormat.Rate(result.Profile.Rate)}) |");
        md.AppendLine($"| Completed | {DisplayFormat.Count(result.Completed)} responses, {DisplayFormat.Count(result.Succeeded)} succeeded |");
        md.AppendLine($"| Failed | {DisplayFormat.Count(result.Failed)} ({DisplayFormat.Percent(result.ErrorRate)}){FailureDetail(result)} |");
        md.AppendLine($"| Late sends | {DisplayFormat.Count(result.Late)} ({DisplayFormat.Count(result.LateNoConnection)} waited for a connection, {DisplayFormat.Count(result.LateScheduler)} scheduler late > {DisplayFormat.Duration(result.Profile.LateThreshold)}) |");
        md.AppendLine($"| Latency p50 / p90 / p99 / p99.9 / max | {Row(latency)} |");
        md.AppendLine($"| Uncorrected (from actual send) | {Row(uncorrected)} |");
        if (report.Drill is { } drill)
        {
            AppendDrill(md, drill);
        }
        if (report.Budgets.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("| Budget | Limit | Measured | Result |");
            md.AppendLine("|---|---|---|---|");
            foreach (var budget in report.Budgets)
            {
                md.AppendLine($"| {budget.Budget.Figure.Name} | {budget.Budget.LimitDisplay} | {budget.ActualDisplay} | {(budget.Passed ? "pass" : "**BREACHED**")} |");
            }
        }

        if (result.Markers.Count > 0)
        {
            md.AppendLine();
            foreach (var marker in result.Markers)
            {
                md.AppendLine($"- at {marker.At.TotalSeconds:0.00} s: {marker.Label}");
            }
        }

        return md.ToString();
    }

    private static void AppendDrill(StringBuilder md, DrillSummary drill)
    {
        static string Ms(double? ms) => ms is { } v ? DisplayFormat.Milliseconds(v) : "never";
        static string Times(int? count) => count is { } c ? c.ToString(System.Globalization.CultureInfo.InvariantCulture) : "n/a";
        md.AppendLine();
        md.AppendLine($"| Drill: {drill.Fault.Name()} {drill.Primary} at {drill.FaultAt.TotalSeconds:0.00} s, recovery at {drill.RecoverAt.TotalSeconds:0.00} s | responses (X-Upstream-Region) | edge /admin/status |");
        md.AppendLine("|---|---|---|");
        md.AppendLine($"| Failed (not 2xx or no response) | {DisplayFormat.Count(drill.Failed)}: {DisplayFormat.Count(drill.FailedBeforeFault)} before the fault, {DisplayFormat.Count(drill.FailedAfterFault)} after | |");
        md.AppendLine($"| Failover time | {Ms(drill.FailoverTimeMs)} | {Ms(drill.StatusFailoverTimeMs)} |");
        md.AppendLine($"| Recovery time | {Ms(drill.RecoveryTimeMs)} | {Ms(drill.StatusRecoveryTimeMs)} |");
        md.AppendLine($"| Switches back after recovery | {Times(drill.SwitchesBack)} | {Times(drill.StatusSwitchesBack)} |");
    }

    /// <summary>PASS, BREACHED or, without budgets, DONE.</summary>
    public static string Verdict(RunReport report) =>
        report.Budgets.Count == 0 ? "done (no budget)" : report.Passed ? "PASS" : "BREACHED";

    private static string Row(LatencySummary s) =>
        s.Count == 0
            ? "n/a (no response)"
            : $"{DisplayFormat.Number(s.P50!.Value)} / {DisplayFormat.Number(s.P90!.Value)} / {DisplayFormat.Number(s.P99!.Value)} / {DisplayFormat.Number(s.P999!.Value)} / {DisplayFormat.Number(s.Max!.Value)} ms";

    private static string FailureDetail(RunResult result)
    {
        var parts = new List<string>();
        void Add(long count, string what)
        {
            if (count > 0)
            {
                parts.Add($"{DisplayFormat.Count(count)} {what}");
            }
        }

        Add(result.HttpErrors, "HTTP >= 400");
        Add(result.FailuresOf(FailureKind.Timeout), "timeouts");
        Add(result.FailuresOf(FailureKind.Connect), "connect errors");
        Add(result.FailuresOf(FailureKind.Transport), "transport errors");
        Add(result.FailuresOf(FailureKind.Unfinished), "unfinished at the end");
        Add(result.FailuresOf(FailureKind.Unsent), "never sent");
        return parts.Count == 0 ? "" : ": " + string.Join(", ", parts);
    }
}

using System.Text;
using NeuroPilot.Edge.LoadTests.Drill;
using NeuroPilot.Edge.LoadTests.OpenModel;
using NeuroPilot.Edge.LoadTests.Spike;

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

        if (report.Spike is { } spike)
        {
            AppendSpike(md, spike);
        }

        if (report.Fleet is { } fleet)
        {
            AppendFleet(md, fleet);
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

    private static void AppendFleet(StringBuilder md, Fleet.FleetSummary fleet)
    {
        static string Ms(double? ms) => ms is { } v ? DisplayFormat.Milliseconds(v) : "never";
        md.AppendLine();
        md.AppendLine($"| Fleet drill (lease TTL {DisplayFormat.Duration(fleet.LeaseTtl)}, down hold {DisplayFormat.Duration(fleet.DownHold)}) | |");
        md.AppendLine("|---|---|");
        md.AppendLine($"| Leader {fleet.KilledEdge} SIGKILLed at {fleet.KillAt.TotalSeconds:0.00} s ({fleet.InFlightAtKill} in flight on it) | {fleet.LeaderAfterKill ?? "no edge"} led {Ms(fleet.NewLeaderAfterKillMs)} later |");
        md.AppendLine($"| Leader {fleet.PartitionedEdge} cut off etcd at {fleet.PartitionAt.TotalSeconds:0.00} s | it stopped leading after {Ms(fleet.PartitionedStoppedLeadingMs)}; {fleet.LeaderAfterPartition ?? "no edge"} led {Ms(fleet.NewLeaderAfterPartitionMs)} later |");
        md.AppendLine($"| us-east failed at {fleet.FailAt.TotalSeconds:0.00} s | DNS published eu-west {Ms(fleet.DnsChangeAfterFailMs)} later |");
        md.AppendLine($"| DNS writes after the fleet settled | {fleet.DnsWrites} for {fleet.DnsChanges} change(s): {fleet.DuplicateWrites} duplicate |");
        md.AppendLine($"| Samples with two edges claiming the lead (every 50 ms) | {fleet.OverlapSamples} |");
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

    private static void AppendSpike(StringBuilder md, SpikeSummary spike)
    {
        static string Latency(LatencySummary s) =>
            s.Count == 0 ? "n/a" : $"{DisplayFormat.Number(s.P50!.Value)} / {DisplayFormat.Number(s.P99!.Value)} / {DisplayFormat.Number(s.Max!.Value)} ms";
        static string Bytes(long? bytes) => bytes is { } b ? DisplayFormat.Bytes(b) : "n/a";
        static string Cpu(SpikePhaseSummary p) => p.CpuSeconds is { } cpu
            ? $"{cpu.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)} s ({p.CpuCores!.Value.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)} cores" +
              (p.CpuMicrosecondsPerRequest is { } us ? $", {us.ToString("0", System.Globalization.CultureInfo.InvariantCulture)} µs/req)" : ")")
            : "n/a";

        md.AppendLine();
        md.AppendLine($"| Spike drill (limits {(spike.LimitsEnabled ? "on" : "off")}) | Offered | Achieved (late, p99 lag) | Goodput (2xx) | Shed 429 | Shed 503 | Failed | Admitted p50 / p99 / max | from send p99 | Edge RSS peak | Edge CPU | Edge shed counters |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var p in spike.Phases)
        {
            md.AppendLine($"| {p.Name} ({DisplayFormat.Duration(p.Duration)}) | {DisplayFormat.Rate(p.OfferedRate)} | {DisplayFormat.Rate(p.AchievedRate)} ({DisplayFormat.Percent(p.LateShare)} late, {DisplayFormat.Milliseconds(p.SendLagP99Ms)}) | {DisplayFormat.Rate(p.Goodput)} | " +
                $"{DisplayFormat.Percent(p.Shed429Share)} | {DisplayFormat.Percent(p.Shed503Share)} | {DisplayFormat.Percent(p.FailedShare)} ({DisplayFormat.Count(p.Failed)}) | " +
                $"{Latency(p.Admitted)} | {DisplayFormat.Milliseconds(p.AdmittedFromSend.P99)} | {Bytes(p.RssPeakBytes)} | {Cpu(p)} | {Counters(p.EdgeShed)} |");
        }

        md.AppendLine();
        var recovery = spike.RecoveryTimeMs switch
        {
            null => "not within the run",
            0 => "0 ms (clean from the first window after the spike)",
            var ms => DisplayFormat.Milliseconds(ms),
        };
        md.AppendLine($"- Recovery after the spike: {recovery} (until 250 ms windows shed nothing, failed nothing and kept admitted p99 <= {DisplayFormat.Milliseconds(spike.RecoveryThresholdMs)} for a second)");
        md.AppendLine($"- Admitted p99, worst phase: {DisplayFormat.Milliseconds(spike.P99AdmittedMs)}; failed: {DisplayFormat.Count(spike.Failed)} ({DisplayFormat.Percent(spike.FailedShare)})");
        md.AppendLine($"- Edge RSS: peak {Bytes(spike.RssPeakBytes)} sampled every 100 ms, VmHWM {Bytes(spike.RssHighWaterBytes)}, {Bytes(spike.RssIdleBytes)} before the load; CPU {(spike.CpuSeconds is { } cpu ? $"{cpu.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)} s" : "n/a")}");
        md.AppendLine($"- Edge shed counters, whole run: {Counters(spike.EdgeShedTotal)}");
        md.AppendLine($"- Limits: {(spike.LimitsJson is { } json ? $"`{json}`" : "none (no Limits section)")}; {spike.Clients} client address{(spike.Clients == 1 ? "" : "es")}, {spike.Upstreams} upstream{(spike.Upstreams == 1 ? "" : "s")}");
        md.AppendLine($"- Load average (1/5/15 min) before / after: {spike.LoadAverageBefore ?? "n/a"} / {spike.LoadAverageAfter ?? "n/a"}");
    }

    private static string Counters(IReadOnlyDictionary<string, double>? counters) => DisplayFormat.Counters(counters);

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

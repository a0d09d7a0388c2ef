using System.Text.Json;
using NeuroPilot.Edge.LoadTests.Drill;
using NeuroPilot.Edge.LoadTests.OpenModel;
using NeuroPilot.Edge.LoadTests.Spike;

namespace NeuroPilot.Edge.LoadTests.Reports.Internal;

/// <summary>
/// <c>summary.json</c>: snake_case, milliseconds for latencies, ratios from 0 to 1. Field names are a contract
/// for CI scripts (<c>jq .latency_ms.p99</c>): extend, do not rename.
/// </summary>
internal static class SummaryJson
{
    public const string Schema = "neuropilot-loadtest/summary/v1";

    public static byte[] Render(RunReport report)
    {
        var result = report.Result;
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            WriteRun(json, report);
            WriteCounts(json, result);
            json.WriteLatency("latency_ms", result.LatencySummary);
            json.WriteLatency("latency_uncorrected_ms", LatencySummary.From(result.UncorrectedLatency));
            json.WriteLatency("send_lag_ms", LatencySummary.From(result.SendLag));

            json.WriteStartObject("status_codes");
            foreach (var (code, count) in result.StatusCodes)
            {
                json.WriteNumber(code.ToString(System.Globalization.CultureInfo.InvariantCulture), count);
            }

            json.WriteEndObject();
            WriteBudgets(json, report.Budgets);
            json.WriteBoolean("passed", report.Passed);
            if (report.Drill is { } drill)
            {
                WriteDrill(json, drill);
            }

            if (report.Spike is { } spike)
            {
                WriteSpike(json, spike);
            }

            if (report.Fleet is { } fleet)
            {
                WriteFleet(json, fleet);
            }

            WriteTimeline(json, result);
            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>What was run: the command, the target and the load profile.</summary>
    private static void WriteRun(Utf8JsonWriter json, RunReport report)
    {
        var result = report.Result;
        var profile = result.Profile;
        json.WriteString("schema", Schema);
        json.WriteString("command", report.Command);
        json.WriteString("title", report.Title);
        json.WriteString("target", report.Target.ToString());
        json.WriteString("method", report.Method);
        json.WriteNumber("body_size", report.BodySize);
        json.WriteString("started_at", result.StartedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteNumber("rate_target", profile.Rate);
        json.WriteNumber("duration_s", profile.Duration.TotalSeconds);
        json.WriteNumber("warmup_s", profile.Warmup.TotalSeconds);
        json.WriteNumber("connections", report.Connections);
        json.WriteNumber("connections_opened", result.ConnectionsOpened);
        json.WriteNumber("timeout_ms", profile.Timeout.TotalMilliseconds);
        json.WriteNumber("grace_ms", profile.Grace.TotalMilliseconds);
        json.WriteBoolean("interrupted", result.Interrupted);

    }

    /// <summary>The counts of requests, failures by kind, the first errors and the late sends.</summary>
    private static void WriteCounts(Utf8JsonWriter json, RunResult result)
    {
        json.WriteNumber("scheduled", result.Scheduled);
        json.WriteNumber("sent", result.Sent);
        json.WriteNumber("completed", result.Completed);
        json.WriteNumber("succeeded", result.Succeeded);
        json.WriteNumber("failed", result.Failed);
        json.WriteNumber("error_rate", Math.Round(result.ErrorRate, 6));
        json.WriteNumber("rate_achieved", Math.Round(result.RateAchieved, 2));

        json.WriteStartObject("failures");
        json.WriteNumber("http_status", result.HttpErrors);
        json.WriteNumber("timeout", result.FailuresOf(FailureKind.Timeout));
        json.WriteNumber("connect", result.FailuresOf(FailureKind.Connect));
        json.WriteNumber("transport", result.FailuresOf(FailureKind.Transport));
        json.WriteNumber("unfinished", result.FailuresOf(FailureKind.Unfinished));
        json.WriteNumber("unsent", result.FailuresOf(FailureKind.Unsent));
        json.WriteEndObject();

        json.WriteStartObject("first_errors");
        foreach (var (kind, message) in result.FirstErrors)
        {
            json.WriteString(Name(kind), message);
        }

        json.WriteEndObject();

        json.WriteStartObject("late_sends");
        json.WriteNumber("total", result.Late);
        json.WriteNumber("no_idle_connection", result.LateNoConnection);
        json.WriteNumber("scheduler_late", result.LateScheduler);
        json.WriteNumber("threshold_ms", result.Profile.LateThreshold.TotalMilliseconds);
        json.WriteNumber("late_rate", Math.Round(result.LateRate, 6));
        json.WriteEndObject();
        json.WriteNumber("reconnects", result.Reconnects);
    }

    private static void WriteBudgets(Utf8JsonWriter json, IReadOnlyList<Budgets.BudgetResult> budgets)
    {
        json.WriteStartArray("budgets");
        foreach (var budget in budgets)
        {
            json.WriteStartObject();
            json.WriteString("name", budget.Budget.Figure.Name);
            json.WriteString("budget", budget.Budget.Text);
            json.WriteString("unit", budget.Budget.Figure.Kind switch
            {
                Budgets.BudgetFigureKind.Latency or Budgets.BudgetFigureKind.Duration => "ms",
                Budgets.BudgetFigureKind.Count => "count",
                Budgets.BudgetFigureKind.Bytes => "bytes",
                _ => "ratio",
            });
            json.WriteNumber("limit", budget.Budget.Limit);
            if (budget.Actual is { } actual)
            {
                json.WriteNumber("actual", Math.Round(actual, 6));
            }
            else
            {
                json.WriteNull("actual");
            }

            json.WriteBoolean("pass", budget.Passed);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    /// <summary>The markers (fault, recovery, phase changes) and the per-second figures.</summary>
    private static void WriteTimeline(Utf8JsonWriter json, RunResult result)
    {
        json.WriteStartArray("markers");
        foreach (var marker in result.Markers)
        {
            json.WriteStartObject();
            json.WriteNumber("at_s", Math.Round(marker.At.TotalSeconds, 3));
            json.WriteString("label", marker.Label);
            json.WriteEndObject();
        }

        json.WriteEndArray();

        json.WriteStartArray("per_second");
        foreach (var second in result.Seconds)
        {
            json.WriteStartObject();
            json.WriteNumber("t", second.Second);
            json.WriteNumber("scheduled", second.Scheduled);
            json.WriteNumber("sent", second.Sent);
            json.WriteNumber("succeeded", second.Succeeded);
            json.WriteNumber("failed", second.Failed);
            json.WriteNumber("late", second.Late);
            json.WriteNumber("responses", second.Responses);
            json.WriteNullable("p50_ms", second.P50Ms);
            json.WriteNullable("p99_ms", second.P99Ms);
            json.WriteNullable("max_ms", second.MaxMs);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteDrill(Utf8JsonWriter json, DrillSummary drill)
    {
        json.WriteStartObject("drill");
        json.WriteString("fault", drill.Fault.Name());
        json.WriteString("primary", drill.Primary);
        json.WriteNumber("fault_at_s", Math.Round(drill.FaultAt.TotalSeconds, 3));
        json.WriteNumber("recover_at_s", Math.Round(drill.RecoverAt.TotalSeconds, 3));
        json.WriteNullable("per_try_timeout_ms", drill.PerTryTimeout?.TotalMilliseconds);
        json.WriteNumber("failed", drill.Failed);
        json.WriteNumber("failed_before_fault", drill.FailedBeforeFault);
        json.WriteNumber("failed_after_fault", drill.FailedAfterFault);
        json.WriteNullable("failover_time_ms", drill.FailoverTimeMs);
        json.WriteNullable("recovery_time_ms", drill.RecoveryTimeMs);
        json.WriteNullable("switches_back", drill.SwitchesBack);
        json.WriteStartObject("admin_status");
        json.WriteNullable("failover_time_ms", drill.StatusFailoverTimeMs);
        json.WriteNullable("recovery_time_ms", drill.StatusRecoveryTimeMs);
        json.WriteNullable("switches_back", drill.StatusSwitchesBack);
        json.WriteEndObject();
        json.WriteStartObject("responses_by_region_per_second");
        foreach (var (region, counts) in drill.ResponsesByRegionPerSecond)
        {
            json.WriteStartArray(region);
            foreach (var count in counts)
            {
                json.WriteNumberValue(count);
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteFleet(Utf8JsonWriter json, Fleet.FleetSummary fleet)
    {
        json.WriteStartObject("fleet");
        json.WriteNumber("kill_at_s", Math.Round(fleet.KillAt.TotalSeconds, 3));
        json.WriteNumber("partition_at_s", Math.Round(fleet.PartitionAt.TotalSeconds, 3));
        json.WriteNumber("fail_at_s", Math.Round(fleet.FailAt.TotalSeconds, 3));
        json.WriteNumber("lease_ttl_s", fleet.LeaseTtl.TotalSeconds);
        json.WriteNumber("down_hold_s", fleet.DownHold.TotalSeconds);
        WriteText(json, "killed_edge", fleet.KilledEdge);
        json.WriteNumber("in_flight_at_kill", fleet.InFlightAtKill);
        json.WriteNullable("new_leader_after_kill_ms", fleet.NewLeaderAfterKillMs);
        WriteText(json, "leader_after_kill", fleet.LeaderAfterKill);
        WriteText(json, "partitioned_edge", fleet.PartitionedEdge);
        json.WriteNullable("partitioned_stopped_leading_ms", fleet.PartitionedStoppedLeadingMs);
        json.WriteNullable("new_leader_after_partition_ms", fleet.NewLeaderAfterPartitionMs);
        WriteText(json, "leader_after_partition", fleet.LeaderAfterPartition);
        json.WriteNumber("overlap_samples", fleet.OverlapSamples);
        json.WriteNullable("dns_change_after_fail_ms", fleet.DnsChangeAfterFailMs);
        json.WriteNumber("dns_writes", fleet.DnsWrites);
        json.WriteNumber("dns_changes", fleet.DnsChanges);
        json.WriteNumber("duplicate_writes", fleet.DuplicateWrites);
        json.WriteStartArray("dns_timeline");
        foreach (var (at, published) in fleet.DnsTimeline)
        {
            json.WriteStartObject();
            json.WriteNumber("at_s", at);
            json.WriteString("published", published);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteText(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    private static void WriteSpike(Utf8JsonWriter json, SpikeSummary spike)
    {
        json.WriteStartObject("spike");
        json.WriteString("limits", spike.LimitsEnabled ? "on" : "off");
        if (spike.LimitsJson is { } limits)
        {
            json.WritePropertyName("limits_config");
            using var document = JsonDocument.Parse(limits);
            document.RootElement.WriteTo(json);
        }
        else
        {
            json.WriteNull("limits_config");
        }

        json.WriteNumber("spike_factor", spike.SpikeFactor);
        json.WriteNumber("clients", spike.Clients);
        json.WriteNumber("upstreams", spike.Upstreams);
        json.WriteNumber("scheduled", spike.Scheduled);
        json.WriteNumber("ok", spike.Ok);
        json.WriteNumber("shed_429", spike.Shed429);
        json.WriteNumber("shed_503", spike.Shed503);
        json.WriteNumber("failed", spike.Failed);
        json.WriteNumber("failed_share", Math.Round(spike.FailedShare, 6));
        json.WriteNullable("p99_admitted_ms", spike.P99AdmittedMs);
        json.WriteNumber("recovery_threshold_ms", spike.RecoveryThresholdMs);
        json.WriteNullable("recovery_time_ms", spike.RecoveryTimeMs);
        json.WriteNullable("spike_end_s", spike.SpikeEnd is { } end ? Math.Round(end.TotalSeconds, 3) : null);
        json.WriteNullable("rss_peak_bytes", spike.RssPeakBytes);
        json.WriteNullable("rss_hwm_bytes", spike.RssHighWaterBytes);
        json.WriteNullable("rss_idle_bytes", spike.RssIdleBytes);
        json.WriteNullable("cpu_s", spike.CpuSeconds);
        WriteCounters(json, "edge_shed_total", spike.EdgeShedTotal);
        json.WriteString("load_average_before", spike.LoadAverageBefore);
        json.WriteString("load_average_after", spike.LoadAverageAfter);

        WritePhases(json, spike.Phases);

        json.WriteStartArray("windows");
        foreach (var window in spike.Windows)
        {
            json.WriteStartObject();
            json.WriteNumber("t_s", Math.Round(window.Start.TotalSeconds, 3));
            json.WriteString("phase", window.Phase);
            json.WriteNumber("ok", window.Ok);
            json.WriteNumber("shed_429", window.Shed429);
            json.WriteNumber("shed_503", window.Shed503);
            json.WriteNumber("failed", window.Failed);
            json.WriteNullable("p50_ms", window.AdmittedP50Ms);
            json.WriteNullable("p99_ms", window.AdmittedP99Ms);
            json.WriteNullable("max_ms", window.AdmittedMaxMs);
            json.WriteEndObject();
        }

        json.WriteEndArray();

        json.WriteStartArray("resources");
        foreach (var point in spike.Resources)
        {
            json.WriteStartObject();
            json.WriteNumber("t_s", point.AtSeconds);
            json.WriteNumber("rss_bytes", point.RssBytes);
            json.WriteNumber("cpu_s", Math.Round(point.CpuSeconds, 3));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WritePhases(Utf8JsonWriter json, IReadOnlyList<SpikePhaseSummary> phases)
    {
        json.WriteStartArray("phases");
        foreach (var phase in phases)
        {
            json.WriteStartObject();
            json.WriteString("name", phase.Name);
            json.WriteNumber("start_s", Math.Round(phase.Start.TotalSeconds, 3));
            json.WriteNumber("duration_s", Math.Round(phase.Duration.TotalSeconds, 3));
            json.WriteNumber("rate_target", phase.Rate);
            json.WriteNumber("scheduled", phase.Scheduled);
            json.WriteNumber("sent", phase.Sent);
            json.WriteNumber("ok", phase.Ok);
            json.WriteNumber("shed_429", phase.Shed429);
            json.WriteNumber("shed_503", phase.Shed503);
            json.WriteNumber("failed", phase.Failed);
            json.WriteNumber("offered_rate", Math.Round(phase.OfferedRate, 2));
            json.WriteNumber("achieved_rate", Math.Round(phase.AchievedRate, 2));
            json.WriteNumber("late", phase.Late);
            json.WriteNumber("late_share", Math.Round(phase.LateShare, 6));
            json.WriteNullable("send_lag_p99_ms", phase.SendLagP99Ms);
            json.WriteNumber("goodput", Math.Round(phase.Goodput, 2));
            json.WriteNumber("shed_429_share", Math.Round(phase.Shed429Share, 6));
            json.WriteNumber("shed_503_share", Math.Round(phase.Shed503Share, 6));
            json.WriteNumber("failed_share", Math.Round(phase.FailedShare, 6));
            json.WriteLatency("admitted_ms", phase.Admitted);
            json.WriteLatency("admitted_from_send_ms", phase.AdmittedFromSend);
            json.WriteNullable("rss_peak_bytes", phase.RssPeakBytes);
            json.WriteNullable("cpu_s", phase.CpuSeconds);
            json.WriteNullable("cpu_us_per_request", phase.CpuMicrosecondsPerRequest is { } perRequest ? Math.Round(perRequest, 1) : null);
            WriteCounters(json, "edge_shed", phase.EdgeShed);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteCounters(Utf8JsonWriter json, string name, IReadOnlyDictionary<string, double>? counters)
    {
        if (counters is null)
        {
            json.WriteNull(name);
            return;
        }

        json.WriteStartObject(name);
        foreach (var (reason, value) in counters)
        {
            json.WriteNumber(reason, value);
        }

        json.WriteEndObject();
    }

    private static string Name(FailureKind kind) => kind switch
    {
        FailureKind.Connect => "connect",
        FailureKind.Transport => "transport",
        FailureKind.Timeout => "timeout",
        FailureKind.Unfinished => "unfinished",
        _ => "unsent",
    };
}

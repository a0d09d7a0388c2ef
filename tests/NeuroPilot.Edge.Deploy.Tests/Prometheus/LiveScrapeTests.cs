using System.Text.Json;
using NeuroPilot.Edge.Deploy.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit;

namespace NeuroPilot.Edge.Deploy.Tests.Prometheus;

/// <summary>
/// A real Prometheus scraping a real edge (see <see cref="LiveEdgeFixture"/>): the live /metrics passes
/// <c>promtool check metrics</c>, the committed rules load and evaluate, the fault makes the expected alerts fire, and
/// every rule expression runs against real data.
/// </summary>
[Collection(LiveEdgeCollection.Name)]
public sealed class LiveScrapeTests(LiveEdgeFixture live)
{
    /// <summary>
    /// Rules whose expression may return nothing in the scenario, and why. Everything else must return data: a typo in
    /// a metric or label name would make it return nothing.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> AllowedEmptyRules = new Dictionary<string, string>
    {
        ["NeuroPilotEdgeDown"] = "the edge is up",
        ["NeuroPilotEdgeNoServingRegion"] = "eu-west serves both services",
        ["NeuroPilotEdgeFailoverFlapping"] = "one failover per service; the threshold is 4",
        ["NeuroPilotEdgeConfigReloadRejected"] = "the SIGHUP reloaded a valid file",
        ["NeuroPilotEdgeDnsPushFailing"] = "every DNS push to the emulator succeeds",
        ["NeuroPilotEdgeDnsNeverEmptyBlocked"] = "eu-west stays usable, so no record is held",
    };

    /// <summary>
    /// Alerts the scenario (us-east answering 503; a certificate with 10 days left whose renewal is refused) must make
    /// pending or firing, with the labels they carry.
    /// </summary>
    public static readonly IReadOnlyList<(string Alert, string Label, string Value)> ExpectedAlerts =
    [
        ("NeuroPilotEdgeFailover", "service", "api"),
        ("NeuroPilotEdgeFailover", "service", "tight"),
        ("NeuroPilotEdgeRegionDown", "region", "us-east"),
        ("NeuroPilotEdgeCircuitOpen", "region", "us-east"),
        ("NeuroPilotEdgeRetryBudgetExhausted", "service", "tight"),
        ("NeuroPilotEdgeHighErrorRatio", "service", "tight"),
        ("NeuroPilotEdgeLatencyP99AboveBudget", "service", "api"),
        ("NeuroPilotEdgeCertificateExpiresSoon", "name", "api.test"),
        ("NeuroPilotEdgeCertificateRenewalFailing", "name", "api.test"),
    ];

    [Fact]
    public async Task PromtoolCheckMetrics_LiveMetricsOfAnEdgeThatServedTrafficAndFailedOver_IsClean()
    {
        Assert.Contains("neuropilot_edge_failovers_total", live.MetricsText, StringComparison.Ordinal);

        var (exitCode, output) = await HostTools.RunAsync("promtool", "prometheus", ["check", "metrics"], stdin: live.MetricsText);

        Assert.True(exitCode == 0 && output.Trim().Length == 0, $"promtool check metrics (exit {exitCode}):\n{output}");
    }

    [Fact]
    public async Task Rules_LoadedByPrometheus_AllEvaluateWithoutError()
    {
        var expected = (await RuleFilesTests.LoadRulesAsync()).Count;
        var problems = "";
        await Eventually.WaitUntilAsync(
            async () =>
            {
                using var json = await live.Prometheus.GetJsonAsync("/api/v1/rules");
                var rules = json.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
                    .SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList();
                var notOk = rules.Where(r => r.GetProperty("health").GetString() != "ok")
                    .Select(r => $"{r.GetProperty("name").GetString()}: {r.GetProperty("health").GetString()} {(r.TryGetProperty("lastError", out var e) ? e.GetString() : "")}")
                    .ToList();
                problems = $"{rules.Count} rules loaded (expected {expected}); not ok: {string.Join("; ", notOk)}";
                return rules.Count == expected && notOk.Count == 0;
            },
            TimeSpan.FromSeconds(20),
            () => $"prometheus has evaluated every rule without error ({problems})");
    }

    [Fact]
    public async Task Alerts_PrimaryAnswering503_FailoverRegionDownBreakerBudgetErrorsAndLatencyAlertsFire()
    {
        var seen = "";
        await Eventually.WaitUntilAsync(
            async () =>
            {
                using var json = await live.Prometheus.GetJsonAsync("/api/v1/alerts");
                var alerts = json.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray()
                    .Where(a => a.GetProperty("state").GetString() is "pending" or "firing")
                    .Select(a => a.GetProperty("labels"))
                    .ToList();
                seen = string.Join("; ", alerts.Select(l => l.ToString()));
                return ExpectedAlerts.All(e => alerts.Any(l =>
                    l.GetProperty("alertname").GetString() == e.Alert &&
                    l.TryGetProperty(e.Label, out var v) && v.GetString() == e.Value));
            },
            TimeSpan.FromSeconds(20),
            () => $"every expected alert is pending or firing (active: {seen})");
    }

    [Fact]
    public async Task RuleExpressions_AgainstTheLiveEdge_SucceedAndReturnDataUnlessListedAsAllowedEmpty()
    {
        var failures = new List<string>();
        foreach (var rule in await RuleFilesTests.LoadRulesAsync())
        {
            var name = rule["alert"]?.GetValue<string>() ?? rule["record"]!.GetValue<string>();
            var result = await live.Prometheus.QueryAsync(rule["expr"]!.GetValue<string>());
            if (!result.Succeeded)
            {
                failures.Add($"{name}: {result}");
            }
            else if (result.Count == 0 && !AllowedEmptyRules.ContainsKey(name))
            {
                failures.Add($"{name}: no data: {result.Expr}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task MetricNames_ReadByRulesDashboardAndRunbooks_AreExportedByTheEdge()
    {
        using var json = await live.Prometheus.GetJsonAsync("/api/v1/label/__name__/values");
        var exported = json.RootElement.GetProperty("data").EnumerateArray().Select(v => v.GetString()!).ToHashSet(StringComparer.Ordinal);

        var referenced = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var rule in await RuleFilesTests.LoadRulesAsync())
        {
            foreach (var metric in PromQl.MetricNames(rule["expr"]!.GetValue<string>()))
            {
                referenced.TryAdd(metric, "deploy/prometheus/*.rules.yml");
            }
        }

        foreach (var expr in Grafana.DashboardTests.AllQueries())
        {
            foreach (var metric in PromQl.MetricNames(expr))
            {
                referenced.TryAdd(metric, "deploy/grafana/neuropilot-edge.json");
            }
        }

        foreach (var file in Directory.GetFiles(RepoPaths.Deploy(), "*.md", SearchOption.AllDirectories))
        {
            foreach (var metric in PromQl.MetricNames(await File.ReadAllTextAsync(file)).Where(m => m.StartsWith("neuropilot_edge_", StringComparison.Ordinal)))
            {
                referenced.TryAdd(metric, Path.GetRelativePath(RepoPaths.Root, file));
            }
        }

        var missing = referenced
            .Where(r => !exported.Contains(r.Key) && !exported.Contains(r.Key + "_bucket"))
            .Select(r => $"{r.Key} (in {r.Value})")
            .ToList();
        Assert.True(missing.Count == 0, "not exported by the edge: " + string.Join(", ", missing));
        Assert.Contains("neuropilot_edge_request_duration_seconds_bucket", referenced.Keys);
    }
}

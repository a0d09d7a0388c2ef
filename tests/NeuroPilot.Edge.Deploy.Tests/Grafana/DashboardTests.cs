using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NeuroPilot.Edge.Deploy.Tests.TestKit;

namespace NeuroPilot.Edge.Deploy.Tests.Grafana;

/// <summary>deploy/grafana/neuropilot-edge.json: its shape, and every query of it run against a real Prometheus.</summary>
[Collection(LiveEdgeCollection.Name)]
public sealed partial class DashboardTests(LiveEdgeFixture live)
{
    private static readonly string DashboardPath = RepoPaths.Deploy("grafana", "neuropilot-edge.json");

    [Fact]
    public void Dashboard_HasAPanelForEveryThingOperatorsWatch()
    {
        var queries = string.Join('\n', AllQueries());
        string[] required =
        [
            "rate(neuropilot_edge_requests_total", "histogram_quantile(0.5, sum by (service, region, le)",
            "histogram_quantile(0.99, sum by (service, region, le)", "neuropilot_edge_destination_healthy",
            "neuropilot_edge_circuit_state", "neuropilot_edge_failovers_total", "sum by (service, reason) (rate(neuropilot_edge_retries_total",
            "neuropilot_edge_probe_duration_seconds_bucket", "neuropilot_edge_dns_pushes_total", "neuropilot_edge_dns_never_empty_blocked",
            "neuropilot_edge_retry_budget_exhausted_total", "neuropilot_edge_region_serving",
        ];

        var missing = required.Where(r => !queries.Contains(r, StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "no panel queries " + string.Join(", ", missing));
    }

    [Fact]
    public void Dashboard_PanelsUseTheDatasourceVariable_HaveUniqueIds_AndFitTheGrid()
    {
        var dashboard = Load();
        Assert.Equal("neuropilot-edge", dashboard["uid"]!.GetValue<string>());
        var panels = Panels(dashboard).ToList();
        Assert.Equal(panels.Count, panels.Select(p => p["id"]!.GetValue<int>()).Distinct().Count());
        foreach (var panel in panels.Where(p => p["type"]!.GetValue<string>() != "row"))
        {
            var title = panel["title"]!.GetValue<string>();
            Assert.True(panel["datasource"]?["uid"]?.GetValue<string>() == "${datasource}", $"{title}: datasource is not ${{datasource}}");
            var grid = panel["gridPos"]!;
            Assert.True(grid["x"]!.GetValue<int>() + grid["w"]!.GetValue<int>() <= 24, $"{title}: wider than the grid");
            Assert.NotEmpty(panel["targets"]!.AsArray());
        }

        var defined = dashboard["templating"]!["list"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()).ToHashSet();
        var used = AllQueries().SelectMany(q => Variable().Matches(q).Select(m => m.Groups[1].Value)).Where(v => !v.StartsWith("__", StringComparison.Ordinal)).ToHashSet();
        Assert.Empty(used.Except(defined));
    }

    [Fact]
    public async Task EveryPanelQuery_AgainstTheLiveEdge_SucceedsAndReturnsData()
    {
        var failures = new List<string>();
        foreach (var expr in PanelQueries(Load()))
        {
            var result = await live.Prometheus.QueryAsync(PromQl.FillGrafanaVariables(expr));
            if (!result.Succeeded)
            {
                failures.Add(result.ToString());
            }
            else if (result.Count == 0)
            {
                failures.Add("no data: " + result.Expr);
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task AnnotationQueries_AgainstTheLiveEdge_Succeed()
    {
        var annotations = Load()["annotations"]!["list"]!.AsArray().Select(a => a!["expr"]?.GetValue<string>()).OfType<string>().ToList();
        Assert.NotEmpty(annotations);
        foreach (var expr in annotations)
        {
            var result = await live.Prometheus.QueryAsync(PromQl.FillGrafanaVariables(expr));
            Assert.True(result.Succeeded, result.ToString());
        }
    }

    [Fact]
    public async Task VariableQueries_AgainstTheLiveEdge_ListValues()
    {
        foreach (var variable in Load()["templating"]!["list"]!.AsArray().Where(v => v!["type"]!.GetValue<string>() == "query"))
        {
            var definition = variable!["definition"]!.GetValue<string>();
            var match = LabelValues().Match(definition);
            Assert.True(match.Success, $"variable {variable["name"]}: only label_values(selector, label) is used here: {definition}");
            var values = await live.Prometheus.LabelValuesAsync(match.Groups[2].Value, PromQl.FillGrafanaVariables(match.Groups[1].Value));
            Assert.True(values.Count > 0, $"variable {variable["name"]} lists nothing: {definition}");
        }
    }

    /// <summary>Every PromQL expression of the dashboard: panel targets and annotations.</summary>
    public static IEnumerable<string> AllQueries()
    {
        var dashboard = Load();
        return PanelQueries(dashboard).Concat(dashboard["annotations"]!["list"]!.AsArray().Select(a => a!["expr"]?.GetValue<string>()).OfType<string>());
    }

    private static IEnumerable<string> PanelQueries(JsonObject dashboard) =>
        Panels(dashboard).SelectMany(p => p["targets"]?.AsArray() ?? []).Select(t => t!["expr"]!.GetValue<string>());

    private static IEnumerable<JsonObject> Panels(JsonObject dashboard)
    {
        foreach (var panel in dashboard["panels"]!.AsArray())
        {
            yield return panel!.AsObject();
            foreach (var nested in panel["panels"]?.AsArray() ?? [])
            {
                yield return nested!.AsObject();
            }
        }
    }

    private static JsonObject Load() => JsonNode.Parse(File.ReadAllText(DashboardPath))!.AsObject();

    [GeneratedRegex(@"\$\{?([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Variable();

    [GeneratedRegex(@"^label_values\((.+),\s*([A-Za-z_][A-Za-z0-9_]*)\)$")]
    private static partial Regex LabelValues();
}

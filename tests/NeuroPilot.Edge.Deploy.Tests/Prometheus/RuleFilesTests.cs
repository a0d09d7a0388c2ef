using System.Text.Json.Nodes;
using NeuroPilot.Edge.Deploy.Tests.TestKit;

namespace NeuroPilot.Edge.Deploy.Tests.Prometheus;

/// <summary>The committed Prometheus files, checked by Debian's promtool.</summary>
public sealed class RuleFilesTests
{
    [Fact]
    public async Task PromtoolCheckRules_EveryRulesFile_IsClean()
    {
        var files = Directory.GetFiles(RepoPaths.Deploy("prometheus"), "*.rules.yml");
        Assert.NotEmpty(files);

        var (exitCode, output) = await HostTools.RunAsync("promtool", "prometheus", ["check", "rules", .. files]);

        Assert.True(exitCode == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
        Assert.DoesNotContain("WARNING", output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task PromtoolTestRules_AlertUnitTests_Pass()
    {
        var files = Directory.GetFiles(RepoPaths.Deploy("prometheus", "tests"), "*.test.yml");
        Assert.NotEmpty(files);

        var (exitCode, output) = await HostTools.RunAsync("promtool", "prometheus", ["test", "rules", .. files]);

        Assert.True(exitCode == 0, output);
        Assert.DoesNotContain("FAILED", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PromtoolCheckConfig_ScrapeConfig_IsValidAndLoadsTheRules()
    {
        var (exitCode, output) = await HostTools.RunAsync("promtool", "prometheus", ["check", "config", RepoPaths.Deploy("prometheus", "prometheus.yml")]);

        Assert.True(exitCode == 0, output);
        Assert.Contains("neuropilot-edge.rules.yml", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryAlert_HasASeverityASummaryAndARunbookThatExists()
    {
        var alerts = await LoadAlertsAsync();
        Assert.NotEmpty(alerts);

        foreach (var alert in alerts)
        {
            var name = alert["alert"]!.GetValue<string>();
            Assert.True(alert["labels"]?["severity"]?.GetValue<string>() is "warning" or "critical", $"{name}: severity must be warning or critical");
            Assert.False(string.IsNullOrWhiteSpace(alert["annotations"]?["summary"]?.GetValue<string>()), $"{name}: no summary");
            var runbook = alert["annotations"]?["runbook"]?.GetValue<string>();
            Assert.True(runbook is not null && File.Exists(Path.Combine(RepoPaths.Root, runbook)), $"{name}: runbook \"{runbook}\" does not exist");
        }
    }

    [Fact]
    public async Task Alerts_CoverWhatOperatorsMustHear()
    {
        var names = (await LoadAlertsAsync()).Select(a => a["alert"]!.GetValue<string>()).ToHashSet();
        string[] required =
        [
            "NeuroPilotEdgeDown", "NeuroPilotEdgeRegionDown", "NeuroPilotEdgeNoServingRegion", "NeuroPilotEdgeFailover",
            "NeuroPilotEdgeCircuitOpen", "NeuroPilotEdgeRetryBudgetExhausted", "NeuroPilotEdgeLatencyP99AboveBudget",
            "NeuroPilotEdgeDnsPushFailing", "NeuroPilotEdgeDnsNeverEmptyBlocked",
            "NeuroPilotEdgeCertificateExpiresSoon", "NeuroPilotEdgeCertificateRenewalFailing",
        ];

        Assert.Empty(required.Except(names));
    }

    /// <summary>Every alerting rule of every committed rules file.</summary>
    public static async Task<IReadOnlyList<JsonObject>> LoadAlertsAsync() =>
        [.. (await LoadRulesAsync()).Where(r => r["alert"] is not null)];

    public static async Task<IReadOnlyList<JsonObject>> LoadRulesAsync()
    {
        var rules = new List<JsonObject>();
        foreach (var file in Directory.GetFiles(RepoPaths.Deploy("prometheus"), "*.rules.yml"))
        {
            foreach (var document in await YamlFile.LoadAllAsync(file))
            {
                foreach (var group in document["groups"]!.AsArray())
                {
                    rules.AddRange(group!["rules"]!.AsArray().Select(r => r!.AsObject()));
                }
            }
        }

        return rules;
    }
}

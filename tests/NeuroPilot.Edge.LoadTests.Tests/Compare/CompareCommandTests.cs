using System.Text.Json;
using NeuroPilot.Edge.LoadTests.Tests.TestKit;

namespace NeuroPilot.Edge.LoadTests.Tests.Compare;

public class CompareCommandTests
{
    [Fact]
    public async Task Compare_TargetFiveMillisecondsSlower_ReportsTheAddedLatencyAndBreachesATighterBudget()
    {
        await using var server = await LoopbackServer.StartAsync();
        using var directory = new TempDirectory();

        var result = await CommandLine.RunAsync("compare", "--rate", "100", "--duration", "1s", "--rounds", "2", "--connections", "8",
            "--target", $"direct={server.Url("/")}", "--target", $"slow={server.Url("/delay/5")}",
            "--budget", "p50=2ms", "--report", directory.Path);

        Assert.True(result.ExitCode == 99, result.ToString());
        Assert.Contains("round 2/2 slow", result.Output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(directory.Combine("compare.json")));
        var targets = json.RootElement.GetProperty("targets").EnumerateArray().ToList();
        Assert.Equal(["direct", "slow"], targets.Select(t => t.GetProperty("name").GetString()));
        Assert.Equal(2, targets[1].GetProperty("rounds").GetArrayLength());
        var added = targets[1].GetProperty("added_ms").GetProperty("p50").GetDouble();
        Assert.InRange(added, 4, 30);
        Assert.True(targets[1].GetProperty("ratio").GetProperty("p50").GetDouble() > 2);
        Assert.False(targets[1].GetProperty("budgets")[0].GetProperty("pass").GetBoolean());
        Assert.True(File.Exists(directory.Combine("slow.hgrm")));
        HtmlAssert.SelfContained(File.ReadAllText(directory.Combine("compare.html")), minimumCharts: 3);
    }

    [Fact]
    public async Task Compare_WithNginxAndHaproxyPeers_StartsThemInFrontOfTheUpstreamAndStopsThemAfter()
    {
        await using var upstream = await LoopbackServer.StartAsync();
        using var directory = new TempDirectory();

        var result = await CommandLine.RunAsync("compare", "--rate", "100", "--duration", "1s", "--rounds", "1", "--connections", "4",
            "--peer", "nginx", "--peer", "haproxy", "--upstream", upstream.Url("/"), "--peers-dir", Repository.PeersDirectory,
            "--report", directory.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(File.ReadAllText(directory.Combine("compare.json")));
        var targets = json.RootElement.GetProperty("targets").EnumerateArray().ToList();
        Assert.Equal(["direct", "nginx", "haproxy"], targets.Select(t => t.GetProperty("name").GetString()));
        Assert.All(targets, t =>
        {
            Assert.Equal(0, t.GetProperty("failed").GetInt64());
            Assert.Equal(100, t.GetProperty("latency_ms").GetProperty("count").GetInt64());
        });

        // Every request went through: 100 direct + 100 through each peer (the peers' own probes are TCP only).
        Assert.Equal(300, upstream.Requests);

        // Both peers were stopped: their processes are gone.
        foreach (var line in result.Output.Split('\n').Where(l => l.Contains("(pid ", StringComparison.Ordinal)))
        {
            var pid = int.Parse(line.Split("(pid ")[1].Split(')')[0], System.Globalization.CultureInfo.InvariantCulture);
            Assert.False(Directory.Exists($"/proc/{pid}"), $"peer process {pid} is still running");
        }
    }
}

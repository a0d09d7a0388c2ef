using System.Text.Json;
using NeuroPilot.Edge.LoadTests.Compare;
using NeuroPilot.Edge.LoadTests.Http;
using NeuroPilot.Edge.LoadTests.OpenModel;
using NeuroPilot.Edge.LoadTests.Platform;
using NeuroPilot.Edge.LoadTests.Run;
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

        // nginx's CPU is its master's and its worker's, found by their listening socket: not this process's.
        var nginxProcesses = targets[1].GetProperty("cpu").GetProperty("processes").EnumerateArray().Select(p => p.GetInt32()).ToList();
        Assert.True(nginxProcesses.Count == 2, result.ToString());
        Assert.DoesNotContain(Environment.ProcessId, nginxProcesses);
        Assert.All(targets.Skip(1), t => Assert.True(t.GetProperty("cpu").GetProperty("us_per_request").ValueKind == JsonValueKind.Number, result.ToString()));

        // Every request went through: 100 direct + 100 through each peer (the peers' own probes are TCP only).
        Assert.Equal(300, upstream.Requests);

        // Both peers were stopped: their processes are gone.
        foreach (var line in result.Output.Split('\n').Where(l => l.Contains("(pid ", StringComparison.Ordinal)))
        {
            var pid = int.Parse(line.Split("(pid ")[1].Split(')')[0], System.Globalization.CultureInfo.InvariantCulture);
            Assert.False(Directory.Exists($"/proc/{pid}"), $"peer process {pid} is still running");
        }
    }

    [Fact]
    public async Task Compare_LocalKestrelTargets_ReportTheCpuPerRequestOfTheProcessFoundByItsListeningSocket()
    {
        await using var server = await LoopbackServer.StartAsync();
        using var directory = new TempDirectory();

        var result = await CommandLine.RunAsync("compare", "--rate", "200", "--duration", "1s", "--rounds", "1", "--connections", "4",
            "--target", $"direct={server.Url("/")}", "--target", $"given={server.Url("/")}", "--pid", $"given={Environment.ProcessId}",
            "--report", directory.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"compare: CPU of direct: pid {Environment.ProcessId} (", result.Output, StringComparison.Ordinal);
        Assert.Contains("| errors | rate | CPU/req | req/s per core |", result.Output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(directory.Combine("compare.json")));
        var targets = json.RootElement.GetProperty("targets").EnumerateArray().ToList();
        var direct = targets[0].GetProperty("cpu");
        Assert.Equal([Environment.ProcessId], direct.GetProperty("processes").EnumerateArray().Select(p => p.GetInt32()));
        Assert.Equal($"listening on 127.0.0.1:{server.BaseUrl.Port}", direct.GetProperty("found_by").GetString());
        Assert.Equal(200, direct.GetProperty("responses").GetInt64());
        Assert.True(direct.GetProperty("us_per_request").GetDouble() > 0, direct.ToString());
        Assert.True(direct.GetProperty("requests_per_core_s").GetDouble() > 0, direct.ToString());
        Assert.Equal(JsonValueKind.Null, direct.GetProperty("unavailable").ValueKind);
        Assert.True(targets[0].GetProperty("rounds")[0].GetProperty("cpu").GetProperty("us_per_request").GetDouble() > 0);
        Assert.Equal("--pid", targets[1].GetProperty("cpu").GetProperty("found_by").GetString());
    }

    [Fact]
    public async Task Compare_PidOfAnUnknownTarget_IsABadArgument()
    {
        var result = await CommandLine.RunAsync("compare", "--rate", "10", "--duration", "1s",
            "--target", "a=http://127.0.0.1:1/", "--target", "b=http://127.0.0.1:2/", "--pid", $"c={Environment.ProcessId}");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("compare: --pid c=...: no target is named \"c\" (targets: a, b)\n", result.Error);
    }

    [Fact]
    public async Task Compare_PidThatIsNoProcess_IsABadArgument()
    {
        var result = await CommandLine.RunAsync("compare", "--rate", "10", "--duration", "1s",
            "--target", "a=http://127.0.0.1:1/", "--target", "b=http://127.0.0.1:2/", "--pid", "a=999999999");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("compare: --pid a=999999999: there is no process 999999999", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompareReport_TargetWhoseProcessIsNotFound_ShowsNaAndTheReasonInsteadOfFailing()
    {
        await using var server = await LoopbackServer.StartAsync();
        var profile = new LoadProfile { Rate = 100, Duration = TimeSpan.FromMilliseconds(500) };
        var found = TargetProcesses.Of([Environment.ProcessId], "--pid");
        var missing = TargetProcesses.Unavailable("no process of this machine listens on 10.9.9.9:80 (a remote target?); give --pid");
        var measured = await RunAsync(server.Url("/"), profile, found);
        var notMeasured = await RunAsync(server.Url("/"), profile, missing);
        var comparison = new ComparisonResult
        {
            Profile = profile,
            Rounds = 1,
            Connections = 2,
            Method = "GET",
            BudgetsGiven = [],
            Targets =
            [
                new TargetComparison(new CompareTarget("here", server.BaseUrl), [measured], found),
                new TargetComparison(new CompareTarget("remote", new Uri("http://10.9.9.9/")), [notMeasured], missing),
            ],
        };

        var markdown = CompareReport.Markdown(comparison);

        // The first table (latency, errors, rate, CPU) has the CPU columns; the added-latency table follows.
        var remoteRow = markdown.Split('\n').First(l => l.StartsWith("| remote |", StringComparison.Ordinal));
        Assert.EndsWith("| n/a | n/a |", remoteRow, StringComparison.Ordinal);
        Assert.Contains("- CPU of remote: n/a: no process of this machine listens on 10.9.9.9:80 (a remote target?); give --pid\n", markdown, StringComparison.Ordinal);
        Assert.Contains($"- CPU of here: pid {Environment.ProcessId} (", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("| n/a | n/a |", markdown.Split('\n').First(l => l.StartsWith("| here (baseline) |", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    private static async Task<RunResult> RunAsync(string url, LoadProfile profile, TargetProcesses processes)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await LoadRunner.RunAsync(HttpTarget.Create(url, "GET", [], 0), profile, 2, null, timeout.Token, targetProcesses: processes);
    }
}

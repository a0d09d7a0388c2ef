using System.Text.Json;
using NeuroPilot.Edge.LoadTests.Tests.TestKit;

namespace NeuroPilot.Edge.LoadTests.Tests.Capacity;

public class CapacityCommandTests
{
    [Fact]
    public async Task Capacity_TargetThatSlowsDownAboveThreeHundredPerSecond_HasACapacityOfThreeHundred()
    {
        await using var server = await LoopbackServer.StartAsync();
        using var directory = new TempDirectory();

        // /limit/330 answers in 400 ms whenever more than 330 requests arrived in the last second.
        var result = await CommandLine.RunAsync("capacity", "--target", server.Url("/limit/330"),
            "--start", "100", "--step", "100", "--max", "600", "--step-duration", "1s", "--warmup", "500ms",
            "--connections", "64", "--budget", "p99=150ms", "--report", directory.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(File.ReadAllText(directory.Combine("capacity.json")));
        Assert.Equal(300, json.RootElement.GetProperty("capacity_rate").GetDouble());
        var steps = json.RootElement.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal([100.0, 200, 300, 400], steps.Select(s => s.GetProperty("rate_target").GetDouble()));
        Assert.Equal([true, true, true, false], steps.Select(s => s.GetProperty("pass").GetBoolean()));
        HtmlAssert.SelfContained(File.ReadAllText(directory.Combine("capacity.html")), minimumCharts: 1);
    }

    [Fact]
    public async Task Capacity_BelowTheRequiredRate_ExitsNinetyNine()
    {
        await using var server = await LoopbackServer.StartAsync();

        var result = await CommandLine.RunAsync("capacity", "--target", server.Url("/delay/50"),
            "--start", "50", "--step", "50", "--max", "100", "--step-duration", "500ms", "--warmup", "0s",
            "--connections", "16", "--budget", "p99=10ms");

        Assert.True(result.ExitCode == 99, result.ToString());
        Assert.Contains("no rate tried met", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Capacity_LocalKestrelTarget_ReportsItsCpuPerRequestForEveryStep()
    {
        await using var server = await LoopbackServer.StartAsync();
        using var directory = new TempDirectory();

        var result = await CommandLine.RunAsync("capacity", "--target", server.Url("/"),
            "--start", "100", "--step", "100", "--max", "200", "--step-duration", "1s", "--warmup", "200ms",
            "--connections", "4", "--budget", "p99=1s", "--report", directory.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"capacity: CPU of the target: pid {Environment.ProcessId} (", result.Output, StringComparison.Ordinal);
        Assert.Contains("| Errors | CPU/req | req/s per core | Result |", result.Output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(directory.Combine("capacity.json")));
        var cpuOf = json.RootElement.GetProperty("cpu_of");
        Assert.Equal([Environment.ProcessId], cpuOf.GetProperty("processes").EnumerateArray().Select(p => p.GetInt32()));
        var steps = json.RootElement.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(2, steps.Count);
        Assert.All(steps, s =>
        {
            var cpu = s.GetProperty("cpu");
            Assert.True(cpu.GetProperty("us_per_request").GetDouble() > 0, cpu.ToString());
            Assert.Equal(s.GetProperty("sent").GetInt64(), cpu.GetProperty("responses").GetInt64());
        });
    }
}

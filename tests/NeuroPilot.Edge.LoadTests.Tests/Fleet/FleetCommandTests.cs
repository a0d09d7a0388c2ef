using System.Diagnostics;
using System.Text.Json;
using NeuroPilot.Edge.LoadTests.Tests.Drill;
using NeuroPilot.Edge.LoadTests.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.LoadTests.Tests.Fleet;

/// <summary>
/// <c>drill fleet</c> for real: three edges (the real binary), a real 3-member etcd and the Cloudflare emulator on
/// loopback, at a small size (100 req/s for 14 s; about 20-30 s with start-up and the stop of every process).
/// </summary>
public class FleetCommandTests(ITestOutputHelper output)
{
    public static TheoryData<string[], string> BadArguments => new()
    {
        { ["--kill-at", "12s", "--partition-at", "10s"], "need --kill-at < --partition-at < --fail-at < --duration" },
        { ["--fail-at", "30s"], "need --kill-at < --partition-at < --fail-at < --duration" },
        { ["--lease-ttl", "1500ms"], "--lease-ttl 1.5s: must be whole seconds from 2s to 60s" },
        { ["--kill-at", "4s", "--partition-at", "6s"], "--partition-at must come at least --lease-ttl + 1s after --kill-at" },
        { ["--fail-at", "21s"], "need --fail-at + --down-hold + 2s <= --duration" },
        { ["--budget", "failover-time=1s"], "unknown figure \"failover-time\"" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public async Task DrillFleet_BadArguments_ExitTwoBeforeStartingAnything(string[] args, string message)
    {
        var result = await CommandLine.RunAsync(["drill", "fleet", "--edge", EdgeBinary.Path, .. args]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("etcd http://", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DrillFleet_SmallRun_NewLeadersAndTheDnsChange_NoFailedRequest_NoDuplicateWrite_ALeaderTimeBudgetOf1msBreached()
    {
        using var directory = new TempDirectory();
        var watch = Stopwatch.StartNew();

        // leader-time=1ms cannot hold (a hand-over takes the lease TTL): exit 99 proves the budgets are applied, and
        // the others must still pass in the same run.
        var result = await CommandLine.RunAsync(
            "drill", "fleet", "--edge", EdgeBinary.Path, "--rate", "100", "--duration", "14s", "--kill-at", "2s",
            "--partition-at", "6s", "--fail-at", "9s", "--lease-ttl", "2s", "--down-hold", "2s",
            "--budget", "leader-time=1ms", "--budget", "dns-time=10s", "--report", directory.Path);
        output.WriteLine($"{watch.Elapsed.TotalSeconds:0.0} s\n{result}");

        Assert.True(result.ExitCode == 99, result.ToString());
        foreach (var file in new[] { "summary.json", "summary.md", "report.html", "latency.hgrm", "edge-a.log", "edge-b.log", "edge-c.log" })
        {
            Assert.True(File.Exists(directory.Combine(file)), $"{file} is missing");
        }

        using var json = JsonDocument.Parse(File.ReadAllText(directory.Combine("summary.json")));
        var root = json.RootElement;
        var budgets = root.GetProperty("budgets").EnumerateArray().ToDictionary(b => b.GetProperty("name").GetString()!, b => b.GetProperty("pass").GetBoolean());
        Assert.Equal(new Dictionary<string, bool> { ["leader-time"] = false, ["dns-time"] = true, ["failed"] = true, ["duplicate-writes"] = true }, budgets);
        Assert.Equal(0, root.GetProperty("failed").GetInt64());
        Assert.Equal(3, root.GetProperty("markers").GetArrayLength());

        var fleet = root.GetProperty("fleet");
        var killed = fleet.GetProperty("killed_edge").GetString();
        var partitioned = fleet.GetProperty("partitioned_edge").GetString();
        var afterPartition = fleet.GetProperty("leader_after_partition").GetString();
        Assert.NotEqual(killed, partitioned);
        Assert.Equal(partitioned, fleet.GetProperty("leader_after_kill").GetString()); // the drill cuts off whoever leads then
        Assert.NotNull(afterPartition);
        Assert.DoesNotContain(afterPartition, new[] { killed, partitioned });

        // Within the lease TTL (2 s) plus the 500 ms election check and the 50 ms sampling, with room for a busy VM.
        Assert.InRange(fleet.GetProperty("new_leader_after_kill_ms").GetDouble(), 0, 4500);
        Assert.InRange(fleet.GetProperty("new_leader_after_partition_ms").GetDouble(), 0, 4500);
        Assert.InRange(fleet.GetProperty("partitioned_stopped_leading_ms").GetDouble(), 0, 2500);
        Assert.InRange(fleet.GetProperty("dns_change_after_fail_ms").GetDouble(), 2000, 10_000); // never before the down hold
        Assert.Equal(0, fleet.GetProperty("duplicate_writes").GetInt32());
        Assert.Equal(1, fleet.GetProperty("dns_changes").GetInt32());
        Assert.Equal(0, fleet.GetProperty("in_flight_at_kill").GetInt32());
        Assert.Contains("DNS published eu-west", result.Output, StringComparison.Ordinal);
    }
}

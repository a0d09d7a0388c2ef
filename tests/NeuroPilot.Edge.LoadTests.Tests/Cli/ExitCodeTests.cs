using NeuroPilot.Edge.LoadTests.Tests.Drill;
using NeuroPilot.Edge.LoadTests.Tests.TestKit;

namespace NeuroPilot.Edge.LoadTests.Tests.Cli;

/// <summary>
/// The exit codes CI scripts rely on, command by command: 2 with one exact message for each kind of usage error
/// (nothing runs), 1 when the target or the drill's processes cannot be reached. Success (0) and a breached budget
/// (99) are pinned next to each command's own tests (LoadTestCommandLineTests, CompareCommandTests,
/// CapacityCommandTests, DrillCommandTests, SpikeCommandTests) and here for compare without peers.
/// </summary>
public class ExitCodeTests
{
    private const string Target = "http://127.0.0.1:1/";
    private const string KnownFigures = "p50, p75, p90, p95, p99, p999, p9999, max, mean, error-rate, late-rate";

    private static readonly string[] s_run = ["run", "--target", Target, "--rate", "10", "--duration", "1s"];
    private static readonly string[] s_compare = ["compare", "--rate", "10", "--duration", "1s", "--target", $"a={Target}", "--target", $"b={Target}"];
    private static readonly string[] s_capacity = ["capacity", "--target", Target, "--start", "100", "--step", "100", "--max", "500", "--step-duration", "1s", "--budget", "p99=5ms"];
    private static readonly string[] s_failover = ["drill", "failover", "--edge", "EDGE"];
    private static readonly string[] s_spike = ["drill", "spike", "--edge", "EDGE"];
    private static readonly string[] s_fleet = ["drill", "fleet", "--edge", "EDGE"];

    public static TheoryData<string[], string> UsageErrors => new()
    {
        // Unknown command.
        { ["frobnicate"], "unknown command \"frobnicate\" (commands: run, compare, capacity, drill; see --help)" },
        { ["--frobnicate"], "unknown command \"--frobnicate\" (commands: run, compare, capacity, drill; see --help)" },
        { ["drill"], "drill: unknown drill (drills: failover, spike, fleet; see drill failover --help, drill spike --help, drill fleet --help)" },
        { ["drill", "chaos"], "drill: unknown drill \"chaos\" (drills: failover, spike, fleet; see drill failover --help, drill spike --help, drill fleet --help)" },

        // run
        { [.. s_run, "--frobnicate", "1"], "run: unknown option --frobnicate (see run --help)" },
        { [.. s_run, "extra"], "run: unexpected argument \"extra\" (options start with --; see run --help)" },
        { ["run", "--target", Target, "--rate", "10", "--duration"], "run: --duration needs a value" },
        { ["run", "--target", Target, "--rate", "--duration", "1s"], "run: --rate needs a value" },
        { ["run", "--target", Target, "--rate", "fast", "--duration", "1s"], "run: --rate fast: is not a rate in requests per second (a number from 0.1 to 1000000, or like 10k)" },
        { ["run", "--target", Target, "--rate", "10", "--duration", "20"], "run: --duration 20: is not a duration (use a number and a unit: 500ms, 20s, 2m)" },
        { [.. s_run, "--rate", "20"], "run: --rate is given 2 times; give it once" },
        { ["run", "--rate", "10", "--duration", "1s"], "run: --target is required (see run --help)" },
        { [.. s_run, "--budget", "p98=5ms"], $"run: --budget p98=5ms: unknown figure \"p98\"; known figures: {KnownFigures}" },
        { [.. s_run, "--header", "NoColon"], "run: --header NoColon: is not a header (use Name:value)" },

        // compare
        { [.. s_compare, "--frobnicate", "1"], "compare: unknown option --frobnicate (see compare --help)" },
        { [.. s_compare, "--target"], "compare: --target needs a value" },
        { [.. s_compare, "--rounds", "zero"], "compare: --rounds zero: is not a whole number from 1 to 100" },
        { [.. s_compare, "--budget", "p98=1ms"], $"compare: --budget p98=1ms: unknown figure \"p98\"; known figures: {KnownFigures}" },
        { ["compare", "--rate", "10", "--duration", "1s", "--target", $"a={Target}"], "compare: needs at least two targets (--target NAME=URL, or --upstream with --peer)" },

        // capacity
        { [.. s_capacity, "--frobnicate", "1"], "capacity: unknown option --frobnicate (see capacity --help)" },
        { [.. s_capacity, "--require"], "capacity: --require needs a value" },
        { ["capacity", "--target", Target, "--start", "100", "--step", "100", "--max", "lots", "--step-duration", "1s", "--budget", "p99=5ms"], "capacity: --max lots: is not a rate in requests per second (a number from 0.1 to 1000000, or like 10k)" },
        { [.. s_capacity, "--budget", "p98=5ms"], $"capacity: --budget p98=5ms: unknown figure \"p98\"; known figures: {KnownFigures}" },
        { ["capacity", "--target", Target, "--start", "100", "--step", "100", "--max", "500", "--step-duration", "1s"], $"capacity: give at least one --budget (like p99=5ms); known figures: {KnownFigures}" },

        // drill failover
        { [.. s_failover, "--frobnicate", "1"], "drill failover: unknown option --frobnicate (see drill failover --help)" },
        { ["drill", "failover", "--edge"], "drill failover: --edge needs a value" },
        { [.. s_failover, "--fault", "melt"], "drill failover: --fault melt: is not a fault (kill, stop or 503)" },
        { [.. s_failover, "--budget", "p98=1ms"], $"drill failover: --budget p98=1ms: unknown figure \"p98\"; known figures: failed, failover-time, recovery-time, {KnownFigures}" },
        { ["drill", "failover"], "drill failover: --edge is required (see drill failover --help)" },

        // drill spike
        { [.. s_spike, "--frobnicate", "1"], "drill spike: unknown option --frobnicate (see drill spike --help)" },
        { ["drill", "spike", "--edge"], "drill spike: --edge needs a value" },
        { [.. s_spike, "--spike-factor", "0"], "drill spike: --spike-factor 0: is not a factor (a number more than 0 and at most 1000, like 10 or 10x)" },
        { [.. s_spike, "--budget", "failover-time=1ms"], $"drill spike: --budget failover-time=1ms: unknown figure \"failover-time\"; known figures: p99-admitted, recovery-time, rss, failed, shed-baseline, {KnownFigures}" },
        { ["drill", "spike"], "drill spike: --edge is required (see drill spike --help)" },

        // drill fleet
        { [.. s_fleet, "--frobnicate", "1"], "drill fleet: unknown option --frobnicate (see drill fleet --help)" },
        { ["drill", "fleet", "--edge"], "drill fleet: --edge needs a value" },
        { [.. s_fleet, "--kill-at", "soon"], "drill fleet: --kill-at soon: is not a duration (use a number and a unit: 500ms, 20s, 2m)" },
        { [.. s_fleet, "--budget", "p99-admitted=1ms"], $"drill fleet: --budget p99-admitted=1ms: unknown figure \"p99-admitted\"; known figures: failed, duplicate-writes, leader-time, dns-time, {KnownFigures}" },
        { [.. s_fleet, "--lease-ttl", "90s"], "drill fleet: --lease-ttl 1m30s: must be whole seconds from 2s to 60s (the edge's Fleet.LeaseTtl)" },
        { ["drill", "fleet"], "drill fleet: --edge is required (see drill fleet --help)" },
    };

    [Theory]
    [MemberData(nameof(UsageErrors))]
    public async Task Command_UsageError_ExitsTwoWithExactlyThisMessageAndRunsNothing(string[] args, string message)
    {
        var result = await CommandLine.RunAsync([.. args.Select(a => a == "EDGE" ? EdgeBinary.Path : a)]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal(message + "\n", result.Error);
        Assert.Equal("", result.Output);
    }

    [Fact]
    public async Task Compare_NothingListening_ExitsOne()
    {
        var result = await CommandLine.RunAsync("compare", "--rate", "10", "--duration", "1s", "--rounds", "1",
            "--target", $"a={Url(FreePort())}", "--target", $"b={Url(FreePort())}");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("compare: a: cannot connect", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compare_BudgetsHeld_ExitsZero()
    {
        await using var server = await LoopbackServer.StartAsync();

        var result = await CommandLine.RunAsync("compare", "--rate", "100", "--duration", "1s", "--rounds", "1", "--connections", "4",
            "--target", $"a={server.Url("/")}", "--target", $"b={server.Url("/")}", "--budget", "p99=1s", "--budget", "error-rate=1%");

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task Capacity_NothingListening_ExitsOne()
    {
        var result = await CommandLine.RunAsync("capacity", "--target", Url(FreePort()), "--start", "10", "--step", "10", "--max", "20",
            "--step-duration", "1s", "--budget", "p99=5ms");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("capacity: cannot connect", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("failover", "drill failover: us-east exited at start:")]
    [InlineData("spike", "drill spike: us-east-1 exited at start:")]
    [InlineData("fleet", "drill fleet: us-east exited at start:")]
    public async Task Drill_ProcessesDoNotStart_ExitsOne(string drill, string message)
    {
        // /bin/false is no edge: the first upstream it is asked to be exits at once.
        var result = await CommandLine.RunAsync("drill", drill, "--edge", "/bin/false");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith(message, result.Error, StringComparison.Ordinal);
    }

    private static string Url(int port) => $"http://127.0.0.1:{port}/";

    private static int FreePort()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)socket.LocalEndPoint!).Port;
    }
}

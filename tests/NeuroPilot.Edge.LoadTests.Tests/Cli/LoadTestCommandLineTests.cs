using NeuroPilot.Edge.LoadTests.Tests.TestKit;

namespace NeuroPilot.Edge.LoadTests.Tests.Cli;

public class LoadTestCommandLineTests
{
    [Fact]
    public async Task Run_BudgetNamingAnUnknownFigure_ExitsTwoAndListsTheKnownFigures()
    {
        var result = await CommandLine.RunAsync("run", "--target", "http://127.0.0.1:1/", "--rate", "10", "--duration", "1s", "--budget", "p98=5ms");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown figure \"p98\"", result.Error, StringComparison.Ordinal);
        Assert.Contains("p50, p75, p90, p95, p99, p999, p9999, max, mean, error-rate, late-rate", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run", "--rate", "10", "--duration", "1s")]
    [InlineData("run", "--target", "http://127.0.0.1:1/", "--rate", "10", "--duration", "20")]
    [InlineData("run", "--target", "http://127.0.0.1:1/", "--rate", "0", "--duration", "1s")]
    [InlineData("run", "--target", "https://127.0.0.1:1/", "--rate", "10", "--duration", "1s")]
    [InlineData("run", "--target", "http://127.0.0.1:1/", "--rate", "10", "--duration", "1s", "--budget", "p99=5")]
    [InlineData("run", "--target", "http://127.0.0.1:1/", "--rate", "10", "--duration", "1s", "--connections", "0")]
    [InlineData("run", "--target", "http://127.0.0.1:1/", "--rate", "10", "--duration", "1s", "--header", "NoColon")]
    [InlineData("run", "--target", "http://127.0.0.1:1/", "--rate", "10", "--duration", "1s", "--frobnicate", "1")]
    [InlineData("run", "--target", "http://127.0.0.1:1/", "--rate", "10", "--rate", "20", "--duration", "1s")]
    [InlineData("compare", "--rate", "10", "--duration", "1s", "--target", "a=http://127.0.0.1:1/")]
    [InlineData("compare", "--rate", "10", "--duration", "1s", "--target", "a=http://127.0.0.1:1/", "--peer", "apache", "--upstream", "http://127.0.0.1:1/")]
    [InlineData("compare", "--rate", "10", "--duration", "1s", "--target", "a=http://127.0.0.1:1/", "--peer", "nginx")]
    [InlineData("capacity", "--target", "http://127.0.0.1:1/", "--start", "100", "--step", "100", "--max", "500", "--step-duration", "1s")]
    [InlineData("capacity", "--target", "http://127.0.0.1:1/", "--start", "500", "--step", "100", "--max", "100", "--step-duration", "1s", "--budget", "p99=5ms")]
    [InlineData("drill")]
    public async Task Command_BadArguments_ExitsTwoWithAMessage(params string[] args)
    {
        var result = await CommandLine.RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.NotEqual("", result.Error.Trim());
    }

    [Theory]
    [InlineData("run", "--target URL")]
    [InlineData("compare", "--target NAME=URL")]
    [InlineData("capacity", "--step-duration D")]
    public async Task Help_OfEveryCommand_ExitsZeroAndDescribesItsOptions(string command, string option)
    {
        var result = await CommandLine.RunAsync(command, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(option, result.Output, StringComparison.Ordinal);
        Assert.Contains("--budget FIGURE=LIMIT", result.Output, StringComparison.Ordinal);
        Assert.Contains("Exit codes", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_WithoutCommand_ListsTheCommands()
    {
        var result = await CommandLine.RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("run", result.Output, StringComparison.Ordinal);
        Assert.Contains("compare", result.Output, StringComparison.Ordinal);
        Assert.Contains("capacity", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BudgetsHeld_ExitsZero()
    {
        await using var server = await LoopbackServer.StartAsync();

        var result = await CommandLine.RunAsync("run", "--target", server.Url("/"), "--rate", "200", "--duration", "1s",
            "--connections", "8", "--budget", "p99=1s", "--budget", "error-rate=1%");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("PASS", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_TargetSlowerThanTheBudget_ExitsNinetyNine()
    {
        await using var server = await LoopbackServer.StartAsync();

        var result = await CommandLine.RunAsync("run", "--target", server.Url("/delay/20"), "--rate", "100", "--duration", "1s",
            "--connections", "8", "--budget", "p50=5ms");

        Assert.True(result.ExitCode == 99, result.ToString());
        Assert.Contains("BREACHED", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ErrorStatusesOverTheErrorBudget_ExitsNinetyNine()
    {
        await using var server = await LoopbackServer.StartAsync();

        var result = await CommandLine.RunAsync("run", "--target", server.Url("/status/503"), "--rate", "100", "--duration", "1s",
            "--connections", "4", "--budget", "error-rate=0.1%");

        Assert.True(result.ExitCode == 99, result.ToString());
        Assert.Contains("HTTP >= 400", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NothingListening_ExitsOne()
    {
        var port = FreePort();

        var result = await CommandLine.RunAsync("run", "--target", $"http://127.0.0.1:{port}/", "--rate", "10", "--duration", "1s");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("cannot connect", result.Error, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)socket.LocalEndPoint!).Port;
    }
}

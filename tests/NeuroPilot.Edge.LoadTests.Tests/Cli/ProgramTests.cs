using System.Diagnostics;
using NeuroPilot.Edge.LoadTests.Tests.TestKit;

namespace NeuroPilot.Edge.LoadTests.Tests.Cli;

/// <summary>The real executable, as CI runs it: exit codes reach the shell.</summary>
public class ProgramTests
{
    [Fact]
    public async Task Binary_UnknownBudgetFigure_ExitsTwo()
    {
        var (exitCode, _, error) = await RunBinaryAsync("run", "--target", "http://127.0.0.1:1/", "--rate", "10", "--duration", "1s", "--budget", "p42=1ms");

        Assert.Equal(2, exitCode);
        Assert.Contains("known figures: p50", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Binary_BreachedBudget_ExitsNinetyNine()
    {
        await using var server = await LoopbackServer.StartAsync();

        var (exitCode, output, _) = await RunBinaryAsync("run", "--target", server.Url("/delay/20"), "--rate", "50", "--duration", "1s",
            "--connections", "8", "--budget", "p99=5ms");

        Assert.True(exitCode == 99, output);
    }

    [Fact]
    public async Task Binary_BudgetMet_ExitsZero()
    {
        await using var server = await LoopbackServer.StartAsync();

        var (exitCode, output, _) = await RunBinaryAsync("run", "--target", server.Url("/"), "--rate", "50", "--duration", "1s",
            "--connections", "8", "--budget", "p99=1s");

        Assert.True(exitCode == 0, output);
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunBinaryAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "neuropilot-loadtest.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}

using NeuroPilot.Edge.LoadTests.Cli;

namespace NeuroPilot.Edge.LoadTests.Tests.TestKit;

/// <summary>Runs the harness's command line in-process and captures what it prints.</summary>
public static class CommandLine
{
    public static async Task<CommandResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var exitCode = await LoadTestCommandLine.RunAsync(args, output, error, timeout.Token);
        return new CommandResult(exitCode, output.ToString(), error.ToString());
    }
}

using NeuroPilot.Edge.LoadTests.Capacity;
using NeuroPilot.Edge.LoadTests.Compare;
using NeuroPilot.Edge.LoadTests.Drill;
using NeuroPilot.Edge.LoadTests.Run;

namespace NeuroPilot.Edge.LoadTests.Cli;

/// <summary>The composition root of the harness: picks the command, maps bad arguments to exit code 2.</summary>
internal static class LoadTestCommandLine
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (args.Length == 0)
        {
            await error.WriteAsync(HelpText.Main).ConfigureAwait(false);
            return ExitCodes.BadArguments;
        }

        var command = args[0];
        var rest = args[1..];
        var wantsHelp = rest.Any(a => a is "--help" or "-h");
        try
        {
            switch (command)
            {
                case "--help" or "-h" or "help":
                    await output.WriteAsync(HelpText.Main).ConfigureAwait(false);
                    return ExitCodes.Ok;
                case "--version" or "version":
                    await output.WriteLineAsync($"neuropilot-loadtest {typeof(LoadTestCommandLine).Assembly.GetName().Version?.ToString(3)}").ConfigureAwait(false);
                    return ExitCodes.Ok;
                case "run" when wantsHelp:
                    await output.WriteAsync(HelpText.Run).ConfigureAwait(false);
                    return ExitCodes.Ok;
                case "compare" when wantsHelp:
                    await output.WriteAsync(HelpText.Compare).ConfigureAwait(false);
                    return ExitCodes.Ok;
                case "capacity" when wantsHelp:
                    await output.WriteAsync(HelpText.Capacity).ConfigureAwait(false);
                    return ExitCodes.Ok;
                case "drill" when wantsHelp:
                    await output.WriteAsync(rest.Length > 0 && rest[0] == "spike" ? HelpText.DrillSpike : HelpText.Drill).ConfigureAwait(false);
                    return ExitCodes.Ok;
                case "drill":
                    return await DrillCommand.ExecuteAsync(rest, output, error, cancellationToken).ConfigureAwait(false);
                case "run":
                    return await RunCommand.ExecuteAsync(rest, output, error, cancellationToken).ConfigureAwait(false);
                case "compare":
                    return await CompareCommand.ExecuteAsync(rest, output, error, cancellationToken).ConfigureAwait(false);
                case "capacity":
                    return await CapacityCommand.ExecuteAsync(rest, output, error, cancellationToken).ConfigureAwait(false);
                default:
                    await error.WriteLineAsync($"unknown command \"{command}\" (commands: run, compare, capacity, drill; see --help)").ConfigureAwait(false);
                    return ExitCodes.BadArguments;
            }
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return ExitCodes.BadArguments;
        }
    }
}

using System.CommandLine;
using NeuroPilot.Edge.LoadTests.Capacity;
using NeuroPilot.Edge.LoadTests.Compare;
using NeuroPilot.Edge.LoadTests.Drill;
using NeuroPilot.Edge.LoadTests.Fleet;
using NeuroPilot.Edge.LoadTests.Run;
using NeuroPilot.Edge.LoadTests.Spike;

namespace NeuroPilot.Edge.LoadTests.Cli;

/// <summary>The composition root of the harness: the commands on System.CommandLine; bad arguments exit 2.</summary>
internal static class LoadTestCommandLine
{
    private static readonly ParserConfiguration s_parser = new()
    {
        // No @file expansion and no -abc bundling: every word is taken as typed.
        ResponseFileTokenReplacer = null,
        EnablePosixBundling = false,
    };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var parseResult = Create().Parse(args, s_parser);
        var usageErrors = UsageErrors.Of(parseResult);
        if (usageErrors.Count > 0)
        {
            foreach (var message in usageErrors)
            {
                await error.WriteLineAsync(message).ConfigureAwait(false);
            }

            return ExitCodes.BadArguments;
        }

        var invocation = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,

            // Program.cs handles SIGINT and SIGTERM (partial results, exit code 130).
            ProcessTerminationTimeout = null,
        };
        return await parseResult.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The root command: run, compare, capacity, drill failover|spike|fleet; help and version.</summary>
    public static RootCommand Create()
    {
        var root = new RootCommand("open-model HTTP load tests with latency budgets");
        root.TreatUnmatchedTokensAsErrors = false;
        root.Options.Clear();
        root.Directives.Clear();
        root.Options.Add(HelpTextAction.Option(() => HelpText.Main));
        root.Options.Add(new VersionOption("--version") { Action = new HelpTextAction(() => VersionLine) });
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(CompareCommand.Create());
        root.Subcommands.Add(CapacityCommand.Create());
        root.Subcommands.Add(Drills());
        root.Subcommands.Add(new Command("help") { Hidden = true, Action = new HelpTextAction(() => HelpText.Main) });
        root.Subcommands.Add(new Command("version") { Hidden = true, Action = new HelpTextAction(() => VersionLine) });

        // Nothing at all: the help, on stderr, as a usage error.
        root.SetAction(async (parseResult, _) =>
        {
            await parseResult.InvocationConfiguration.Error.WriteAsync(HelpText.Main).ConfigureAwait(false);
            return ExitCodes.BadArguments;
        });
        return root;
    }

    private static string VersionLine => $"neuropilot-loadtest {typeof(LoadTestCommandLine).Assembly.GetName().Version?.ToString(3)}\n";

    private static Command Drills()
    {
        var failover = DrillCommand.Create();
        var drill = new Command("drill") { failover, SpikeCommand.Create(), FleetCommand.Create() };
        drill.TreatUnmatchedTokensAsErrors = false;

        // drill --help: the failover drill's, which names the spike drill.
        drill.Options.Add(HelpTextAction.Option(() => OptionHelp.Render(failover)));
        drill.SetAction(async (parseResult, _) =>
        {
            await parseResult.InvocationConfiguration.Error.WriteLineAsync(UsageErrors.UnknownDrill(null)).ConfigureAwait(false);
            return ExitCodes.BadArguments;
        });
        return drill;
    }
}

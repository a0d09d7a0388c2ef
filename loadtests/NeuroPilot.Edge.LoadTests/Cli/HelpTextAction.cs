using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace NeuroPilot.Edge.LoadTests.Cli;

/// <summary>
/// Prints a text on stdout and exits 0: our own help (in place of System.CommandLine's generated layout, which the
/// harness's help predates; <see cref="OptionHelp"/> writes it from the same option objects the parser uses) and the
/// version. Like the library's help, it wins over any parse error.
/// </summary>
internal sealed class HelpTextAction(Func<string> text) : SynchronousCommandLineAction
{
    public override bool ClearsParseErrors => true;

    /// <summary><c>--help</c> and <c>-h</c>, printing what <paramref name="help"/> returns.</summary>
    public static HelpOption Option(Func<string> help) => new("--help", "-h") { Action = new HelpTextAction(help) };

    public override int Invoke(ParseResult parseResult)
    {
        parseResult.InvocationConfiguration.Output.Write(text());
        return ExitCodes.Ok;
    }
}

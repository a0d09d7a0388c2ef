using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace NeuroPilot.Edge.LoadTests.Cli;

/// <summary>
/// Prints a fixed text on stdout and exits 0: our own help (<see cref="HelpText"/>, laid out by hand, in place of
/// System.CommandLine's generated layout) and the version. Like the library's help, it wins over any parse error.
/// </summary>
internal sealed class HelpTextAction(string text) : SynchronousCommandLineAction
{
    public override bool ClearsParseErrors => true;

    /// <summary><c>--help</c> and <c>-h</c>, printing <paramref name="help"/>.</summary>
    public static HelpOption Option(string help) => new("--help", "-h") { Action = new HelpTextAction(help) };

    public override int Invoke(ParseResult parseResult)
    {
        parseResult.InvocationConfiguration.Output.Write(text);
        return ExitCodes.Ok;
    }
}

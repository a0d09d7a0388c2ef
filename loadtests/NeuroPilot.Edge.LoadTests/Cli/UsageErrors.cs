using System.CommandLine;
using System.CommandLine.Parsing;

namespace NeuroPilot.Edge.LoadTests.Cli;

/// <summary>
/// What is wrong with a command line, in the harness's own words: the first word no command or option took (an
/// unknown command, drill or option, or a stray argument), then every error of the options and commands, once each.
/// </summary>
internal static class UsageErrors
{
    public const string UnknownDrillHint = "(drills: failover, spike, fleet; see drill failover --help, drill spike --help, drill fleet --help)";

    /// <summary>The messages for <paramref name="parseResult"/>; none when it parsed, or when it asks for help.</summary>
    public static IReadOnlyList<string> Of(ParseResult parseResult)
    {
        if (parseResult.Action is HelpTextAction)
        {
            return [];
        }

        var messages = new List<string>();

        // "--" (the library's end of options) is a stray argument here too: nothing takes arguments.
        var stray = parseResult.Tokens.Any(t => t.Type == TokenType.DoubleDash) ? "--" : parseResult.UnmatchedTokens.FirstOrDefault();
        if (stray is not null)
        {
            messages.Add(Unmatched(parseResult.CommandResult.Command, stray));
        }

        foreach (var error in parseResult.Errors)
        {
            var message = Describe(error);
            if (!messages.Contains(message))
            {
                messages.Add(message);
            }
        }

        return messages;
    }

    /// <summary>The message for a drill that is not one: <c>drill</c> alone, or <c>drill chaos</c>.</summary>
    public static string UnknownDrill(string? name) =>
        $"drill: unknown drill{(name is null ? "" : $" \"{name}\"")} {UnknownDrillHint}";

    private static string Unmatched(Command command, string token) => command switch
    {
        RootCommand => $"unknown command \"{token}\" (commands: run, compare, capacity, drill; see --help)",
        LoadCommand load when token.StartsWith("--", StringComparison.Ordinal) && token.Length > 2 =>
            $"{load.DisplayName}: unknown option {token.Split('=')[0]} (see {load.DisplayName} --help)",
        LoadCommand load => $"{load.DisplayName}: unexpected argument \"{token}\" (options start with --; see {load.DisplayName} --help)",
        _ => UnknownDrill(token),
    };

    /// <summary>
    /// The options' own parsers and the commands' validators word their errors already; what the library adds
    /// itself is an option of one value given more than once.
    /// </summary>
    private static string Describe(ParseError error)
    {
        var command = (error.SymbolResult as OptionResult)?.Parent is CommandResult { Command: LoadCommand c } ? c : null;
        if (command is null || error.Message.StartsWith(command.DisplayName + ": ", StringComparison.Ordinal))
        {
            return error.Message;
        }

        var option = (OptionResult)error.SymbolResult!;
        return command.IsSingleValued(option.Option) && option.IdentifierTokenCount > 1
            ? $"{command.DisplayName}: {option.Option.Name} is given {option.IdentifierTokenCount} times; give it once"
            : $"{command.DisplayName}: {option.Option.Name}: {error.Message}";
    }
}

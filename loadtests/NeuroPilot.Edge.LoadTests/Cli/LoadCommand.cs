using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using NeuroPilot.Edge.LoadTests.Budgets;

namespace NeuroPilot.Edge.LoadTests.Cli;

/// <summary>
/// One command of the harness on System.CommandLine: its help behind <c>--help</c>/<c>-h</c> (the prose of
/// <see cref="CommandHelp"/> around the option rows <see cref="OptionHelp"/> writes from the options themselves), the
/// shared load options, options whose values go through <see cref="ValueParsers"/> (a bad value becomes
/// <c>COMMAND: --name VALUE: why</c>), required options, and a <see cref="UsageException"/> from the action as exit code 2.
/// </summary>
internal sealed class LoadCommand : Command
{
    private readonly List<Option> _required = [];
    private readonly HashSet<Option> _singleValued = [];

    /// <param name="displayName">How messages name the command: <c>run</c>, <c>drill failover</c>.</param>
    /// <param name="help">The prose of its <c>--help</c>, before and after the options.</param>
    /// <param name="defaults">The defaults of the shared load options for this command.</param>
    /// <param name="extraBudgetFigures">The figures this command's budgets may name besides the run's own.</param>
    public LoadCommand(string displayName, CommandHelp help, LoadOptions? defaults = null, IReadOnlyList<BudgetFigure>? extraBudgetFigures = null)
        : base(displayName[(displayName.LastIndexOf(' ') + 1)..])
    {
        DisplayName = displayName;
        Help = help;

        // UsageErrors words the first unmatched word itself (an unknown option, a stray argument), once.
        TreatUnmatchedTokensAsErrors = false;
        Options.Add(HelpTextAction.Option(() => OptionHelp.Render(this)));
        Load = new LoadOptionSymbols(this, defaults ?? new LoadOptions(), extraBudgetFigures ?? []);
        Validators.Add(RequireOptions);
    }

    public string DisplayName { get; }

    public CommandHelp Help { get; }

    /// <summary>The options every load command shares (connections, request shape, timeouts, budgets, reports).</summary>
    public LoadOptionSymbols Load { get; }

    /// <summary>Whether the option takes one value, so that a repeat is a usage error.</summary>
    public bool IsSingleValued(Option option) => _singleValued.Contains(option);

    // Every option below takes its help: helpName is the value's placeholder (--rate R), description the text of its
    // row, with line breaks where the help breaks it; null lists the option in the previous option's row
    // (--rate R, --duration D). See OptionHelp.

    /// <summary>An option of one value, kept as given.</summary>
    public Option<string?> Text(string name, string helpName, string? description, bool required = false) =>
        Single<string?>(name, text => text, helpName, description, required);

    /// <summary>An option of one value read by <paramref name="parse"/>, which throws <see cref="FormatException"/> with the reason.</summary>
    public Option<T?> Value<T>(string name, Func<string, T> parse, string helpName, string? description, bool required = false)
        where T : struct => Single<T?>(name, text => parse(text), helpName, description, required);

    /// <summary>An option of one value read into an object by <paramref name="parse"/>.</summary>
    public Option<T?> Parsed<T>(string name, Func<string, T> parse, string helpName, string? description)
        where T : class => Single<T?>(name, parse, helpName, description, required: false);

    /// <summary>A repeatable option (<c>--header K:V --header K:V</c>); every value is read by <paramref name="parse"/>.</summary>
    public Option<IReadOnlyList<T>> Repeatable<T>(string name, Func<string, T> parse, string helpName, string? description)
    {
        var option = new Option<IReadOnlyList<T>>(name)
        {
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
            HelpName = helpName,
            Description = description,
        };
        option.CustomParser = result => HasValues(result, name) ? [.. result.Tokens.Select(t => Convert(result, name, t.Value, parse))] : [];
        Options.Add(option);
        return option;
    }

    /// <summary>Runs <paramref name="execute"/> with the command's writers; a <see cref="UsageException"/> is printed and exits 2.</summary>
    public void SetAction(Func<ParseResult, TextWriter, TextWriter, CancellationToken, Task<int>> execute) =>
        SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            try
            {
                return await execute(parseResult, output, error, cancellationToken).ConfigureAwait(false);
            }
            catch (UsageException e)
            {
                await error.WriteLineAsync(e.Message).ConfigureAwait(false);
                return ExitCodes.BadArguments;
            }
        });

    private Option<T> Single<T>(string name, Func<string, T> parse, string helpName, string? description, bool required)
    {
        var option = new Option<T>(name) { Arity = ArgumentArity.ZeroOrOne, HelpName = helpName, Description = description };
        option.CustomParser = result => HasValues(result, name) ? Convert(result, name, result.Tokens[0].Value, parse) : default!;
        Options.Add(option);
        _singleValued.Add(option);
        if (required)
        {
            _required.Add(option);
        }

        return option;
    }

    /// <summary>
    /// Every <c>--name</c> needs its value: the parser leaves it out when the next word is another option it knows,
    /// and takes an unknown <c>--word</c> as the value, which would hide a typo.
    /// </summary>
    private bool HasValues(ArgumentResult result, string name)
    {
        var given = (result.Parent as OptionResult)?.IdentifierTokenCount ?? result.Tokens.Count;
        if (result.Tokens.Count >= given && !result.Tokens.Any(t => t.Value.StartsWith("--", StringComparison.Ordinal) && t.Value.Length > 2))
        {
            return true;
        }

        result.AddError($"{DisplayName}: {name} needs a value");
        return false;
    }

    private T Convert<T>(ArgumentResult result, string name, string text, Func<string, T> parse)
    {
        try
        {
            return parse(text);
        }
        catch (FormatException e)
        {
            result.AddError($"{DisplayName}: {name} {text}: {e.Message}");
            return default!;
        }
    }

    private void RequireOptions(CommandResult result)
    {
        foreach (var option in _required)
        {
            if (result.GetResult(option) is null)
            {
                result.AddError($"{DisplayName}: {option.Name} is required (see {DisplayName} --help)");
            }
        }
    }
}

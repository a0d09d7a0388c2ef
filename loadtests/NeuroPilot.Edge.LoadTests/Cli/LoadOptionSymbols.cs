using System.CommandLine;
using NeuroPilot.Edge.LoadTests.Budgets;
using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Cli;

/// <summary>The shared load options of one command (see <see cref="HelpText.CommonOptions"/>), read into <see cref="LoadOptions"/>.</summary>
internal sealed class LoadOptionSymbols
{
    private readonly LoadOptions _defaults;
    private readonly Option<TimeSpan?> _warmup;
    private readonly Option<int?> _connections;
    private readonly Option<string?> _method;
    private readonly Option<int?> _bodySize;
    private readonly Option<IReadOnlyList<KeyValuePair<string, string>>> _headers;
    private readonly Option<TimeSpan?> _timeout;
    private readonly Option<TimeSpan?> _grace;
    private readonly Option<TimeSpan?> _lateThreshold;
    private readonly Option<IReadOnlyList<Budget>> _budgets;
    private readonly Option<string?> _report;

    /// <param name="command">The command the options are added to.</param>
    /// <param name="defaults">What an option not given stands for.</param>
    /// <param name="extraBudgetFigures">The figures budgets may name besides the run's own (a drill's).</param>
    public LoadOptionSymbols(LoadCommand command, LoadOptions defaults, IReadOnlyList<BudgetFigure> extraBudgetFigures)
    {
        _defaults = defaults;
        _warmup = command.Value("--warmup", ValueParsers.Duration);
        _connections = command.Value("--connections", t => ValueParsers.Count(t, 1, LoadProfileDefaults.MaxConnections));
        _method = command.Text("--method");
        _bodySize = command.Value("--body-size", ValueParsers.Size);
        _headers = command.Repeatable("--header", ValueParsers.Header);
        _timeout = command.Value("--timeout", ValueParsers.PositiveDuration);
        _grace = command.Value("--grace", ValueParsers.Duration);
        _lateThreshold = command.Value("--late-threshold", ValueParsers.Duration);
        _budgets = command.Repeatable("--budget", t => Budget.Parse(t, extraBudgetFigures));
        _report = command.Text("--report");
    }

    /// <exception cref="UsageException">The report directory is empty.</exception>
    public LoadOptions Read(ParseResult parseResult)
    {
        var options = new LoadOptions
        {
            Connections = parseResult.GetValue(_connections) ?? _defaults.Connections,
            Method = (parseResult.GetValue(_method) ?? _defaults.Method).ToUpperInvariant(),
            BodySize = parseResult.GetValue(_bodySize) ?? _defaults.BodySize,
            Headers = parseResult.GetValue(_headers) ?? _defaults.Headers,
            Warmup = parseResult.GetValue(_warmup) ?? _defaults.Warmup,
            Timeout = parseResult.GetValue(_timeout) ?? _defaults.Timeout,
            Grace = parseResult.GetValue(_grace) ?? _defaults.Grace,
            LateThreshold = parseResult.GetValue(_lateThreshold) ?? _defaults.LateThreshold,
            Budgets = parseResult.GetValue(_budgets) ?? _defaults.Budgets,
            ReportDirectory = parseResult.GetValue(_report) ?? _defaults.ReportDirectory,
        };

        if (options.ReportDirectory is { Length: 0 })
        {
            throw new UsageException("--report needs a directory");
        }

        return options;
    }
}

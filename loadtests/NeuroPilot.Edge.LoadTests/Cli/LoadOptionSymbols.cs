using System.CommandLine;
using NeuroPilot.Edge.LoadTests.Budgets;
using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Cli;

/// <summary>The shared load options of one command (their help rows, <see cref="Note"/> after them), read into <see cref="LoadOptions"/>.</summary>
internal sealed class LoadOptionSymbols
{
    /// <summary>The line the help prints after the shared options.</summary>
    public const string Note = "Durations take a unit: 250us, 500ms, 20s, 1.5s, 2m. Rates: 2000, 2k, 10k.";

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
        _warmup = command.Value("--warmup", ValueParsers.Duration, "W", "sent on the same schedule first, left out of every result (default 0s)");
        _connections = command.Value("--connections", t => ValueParsers.Count(t, 1, LoadProfileDefaults.MaxConnections), "C", """
            keep-alive connections, one request at a time each (default 64); a due request
            that finds them all busy waits for one and counts as a late send
            """);
        _method = command.Text("--method", "M", "HTTP method (default GET)");
        _bodySize = command.Value("--body-size", ValueParsers.Size, "N", "request body of N bytes (512, 4k, 1m); sets Content-Length");
        _headers = command.Repeatable("--header", ValueParsers.Header, "K:V", "extra request header (repeatable); Host defaults to the URL's");
        _timeout = command.Value("--timeout", ValueParsers.PositiveDuration, "T", "a request unanswered T after its intended start fails as a timeout (default 5s)");
        _grace = command.Value("--grace", ValueParsers.Duration, "G", """
            after the last send, wait up to G for in-flight requests; the rest fail as
            unfinished (default 2s). A run never lasts longer than warm-up + duration + grace.
            """);
        _lateThreshold = command.Value("--late-threshold", ValueParsers.Duration, "T", "a send starting more than T after its intended time counts as late (default 1ms)");
        _budgets = command.Repeatable("--budget", t => Budget.Parse(t, extraBudgetFigures), "FIGURE=LIMIT", """
            a budget to hold (repeatable), e.g. p99=5ms, max=250ms, error-rate=0.1%
            figures: p50, p75, p90, p95, p99, p999, p9999, max, mean (latency: us, ms, s),
            error-rate, late-rate (ratio: 0.1% or 0.001)
            """);
        _report = command.Text("--report", "DIR", "write reports into DIR (created if needed)");
        Options = [_warmup, _connections, _method, _bodySize, _headers, _timeout, _grace, _lateThreshold, _budgets, _report];
    }

    /// <summary>The shared options, in the order their help lists them.</summary>
    public IReadOnlyList<Option> Options { get; }

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

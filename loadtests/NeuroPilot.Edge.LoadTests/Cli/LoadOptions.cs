using NeuroPilot.Edge.LoadTests.Budgets;
using NeuroPilot.Edge.LoadTests.Http;
using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Cli;

/// <summary>The options every load command shares (request shape, connections, timeouts, budgets, reports).</summary>
internal sealed record LoadOptions
{
    /// <summary>Value options read here; each command adds its own.</summary>
    public static readonly string[] ValueOptionNames =
    [
        "--warmup", "--connections", "--method", "--body-size", "--header", "--budget", "--report",
        "--timeout", "--grace", "--late-threshold",
    ];

    public int Connections { get; init; } = LoadProfileDefaults.Connections;

    public string Method { get; init; } = "GET";

    public int BodySize { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    public TimeSpan Warmup { get; init; } = LoadProfileDefaults.Warmup;

    public TimeSpan Timeout { get; init; } = LoadProfileDefaults.Timeout;

    public TimeSpan Grace { get; init; } = LoadProfileDefaults.Grace;

    public TimeSpan LateThreshold { get; init; } = LoadProfileDefaults.LateThreshold;

    public IReadOnlyList<Budget> Budgets { get; init; } = [];

    public string? ReportDirectory { get; init; }

    /// <exception cref="UsageException">An option has a bad value.</exception>
    public static LoadOptions Read(ArgumentReader args) => Read(args, []);

    /// <summary>Reads the shared options; budgets may also name <paramref name="extraBudgetFigures"/> (a drill's figures).</summary>
    /// <exception cref="UsageException">An option has a bad value.</exception>
    public static LoadOptions Read(ArgumentReader args, IReadOnlyList<BudgetFigure> extraBudgetFigures)
    {
        var options = new LoadOptions
        {
            Connections = args.Optional("--connections", t => ValueParsers.Count(t, 1, LoadProfileDefaults.MaxConnections)) ?? LoadProfileDefaults.Connections,
            Method = (args.Optional("--method") ?? "GET").ToUpperInvariant(),
            BodySize = args.Optional("--body-size", ValueParsers.Size) ?? 0,
            Headers = [.. args.All("--header").Select(h => args.Convert("--header", h, ValueParsers.Header))],
            Warmup = args.Optional("--warmup", ValueParsers.Duration) ?? LoadProfileDefaults.Warmup,
            Timeout = args.Optional("--timeout", ValueParsers.PositiveDuration) ?? LoadProfileDefaults.Timeout,
            Grace = args.Optional("--grace", ValueParsers.Duration) ?? LoadProfileDefaults.Grace,
            LateThreshold = args.Optional("--late-threshold", ValueParsers.Duration) ?? LoadProfileDefaults.LateThreshold,
            Budgets = [.. args.All("--budget").Select(b => args.Convert("--budget", b, t => Budget.Parse(t, extraBudgetFigures)))],
            ReportDirectory = args.Optional("--report"),
        };

        if (options.ReportDirectory is { Length: 0 })
        {
            throw new UsageException("--report needs a directory");
        }

        return options;
    }

    public LoadProfile Profile(double rate, TimeSpan duration) => new()
    {
        Rate = rate,
        Duration = duration,
        Warmup = Warmup,
        Timeout = Timeout,
        Grace = Grace,
        LateThreshold = LateThreshold,
    };

    /// <exception cref="UsageException">The URL, method or a header is invalid.</exception>
    public HttpTarget Target(string option, string url)
    {
        try
        {
            return HttpTarget.Create(url, Method, Headers, BodySize);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"{option} {url}: {e.Message}", e);
        }
    }

    /// <summary>Creates the report directory now, so that a typo fails before a long run rather than after.</summary>
    public void PrepareReportDirectory()
    {
        if (ReportDirectory is null)
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(ReportDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--report {ReportDirectory}: cannot create the directory: {e.Message}", e);
        }
    }
}

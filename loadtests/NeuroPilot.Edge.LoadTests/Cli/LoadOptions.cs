using NeuroPilot.Edge.LoadTests.Budgets;
using NeuroPilot.Edge.LoadTests.Http;
using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Cli;

/// <summary>The options every load command shares (request shape, connections, timeouts, budgets, reports).</summary>
internal sealed record LoadOptions
{
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

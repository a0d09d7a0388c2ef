using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Budgets;

/// <summary>A figure of a run that a budget can cap: <c>p99</c>, <c>max</c>, <c>error-rate</c>, ...</summary>
internal sealed class BudgetFigure
{
    private readonly Func<LatencySummary, double?>? _latency;
    private readonly Func<RatioFigures, double>? _ratio;

    private BudgetFigure(string name, string description, Func<LatencySummary, double?> latency)
    {
        Name = name;
        Description = description;
        Kind = BudgetFigureKind.Latency;
        _latency = latency;
    }

    private BudgetFigure(string name, string description, Func<RatioFigures, double> ratio)
    {
        Name = name;
        Description = description;
        Kind = BudgetFigureKind.Ratio;
        _ratio = ratio;
    }

    /// <summary>A figure measured by the command itself (a drill's), not from a <see cref="RunResult"/>.</summary>
    private BudgetFigure(string name, string description, BudgetFigureKind kind)
    {
        Name = name;
        Description = description;
        Kind = kind;
    }

    /// <summary>The figures only <c>drill failover</c> measures (<see cref="Measure(RunResult)"/> does not know them).</summary>
    public static IReadOnlyList<BudgetFigure> Drill { get; } =
    [
        new("failed", "requests that failed (status not 2xx, timeouts, connection errors), the whole run", BudgetFigureKind.Count),
        new("failover-time", "from the fault until every response came from another region", BudgetFigureKind.Duration),
        new("recovery-time", "from the recovery until responses came from the primary again", BudgetFigureKind.Duration),
    ];

    /// <summary>The figures only <c>drill spike</c> measures.</summary>
    public static IReadOnlyList<BudgetFigure> Spike { get; } =
    [
        new("p99-admitted", "highest p99 of admitted (not shed) requests among the phases", BudgetFigureKind.Duration),
        new("recovery-time", "from the end of the spike until 250 ms windows shed nothing, failed nothing and kept admitted p99 within the threshold, for a second", BudgetFigureKind.Duration),
        new("rss", "the edge's peak resident memory (sampled every 100 ms, and its VmHWM)", BudgetFigureKind.Bytes),
        new("failed", "share of requests that failed: not 2xx and not shed (errors, timeouts, 5xx other than a shed 503)", BudgetFigureKind.Ratio),
        new("shed-baseline", "share of the baseline phase's requests that were shed (429 or 503)", BudgetFigureKind.Ratio),
    ];

    /// <summary>The figures only <c>drill fleet</c> measures.</summary>
    public static IReadOnlyList<BudgetFigure> Fleet { get; } =
    [
        new("failed", "requests that failed (status not 2xx, timeouts, connection errors), the whole run", BudgetFigureKind.Count),
        new("duplicate-writes", "DNS provider writes beyond one per change of the published record", BudgetFigureKind.Count),
        new("leader-time", "the longer of the two leader hand-overs (after the kill, after the partition)", BudgetFigureKind.Duration),
        new("dns-time", "from the primary's failure until DNS publishes the next region", BudgetFigureKind.Duration),
    ];

    /// <summary>Every figure a budget can name, in the order help texts list them.</summary>
    public static IReadOnlyList<BudgetFigure> Known { get; } =
    [
        new("p50", "median latency", s => s.P50),
        new("p75", "75th percentile latency", s => s.P75),
        new("p90", "90th percentile latency", s => s.P90),
        new("p95", "95th percentile latency", s => s.P95),
        new("p99", "99th percentile latency", s => s.P99),
        new("p999", "99.9th percentile latency", s => s.P999),
        new("p9999", "99.99th percentile latency", s => s.P9999),
        new("max", "highest latency", s => s.Max),
        new("mean", "mean latency", s => s.Mean),
        new("error-rate", "share of requests that failed (HTTP status >= 400, timeouts, connection errors)", r => r.ErrorRate),
        new("late-rate", "share of sends that could not start on time", r => r.LateRate),
    ];

    /// <summary>The names of <see cref="Known"/>, comma-separated, for messages.</summary>
    public static string KnownNames => string.Join(", ", Known.Select(f => f.Name));

    public string Name { get; }

    public string Description { get; }

    public BudgetFigureKind Kind { get; }

    public static BudgetFigure? Find(string name) => Find(name, Known);

    public static BudgetFigure? Find(string name, IEnumerable<BudgetFigure> figures) =>
        figures.FirstOrDefault(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>True for a figure the command measures itself (a drill's).</summary>
    public bool IsExternal => _latency is null && _ratio is null;

    /// <summary>The figure of a run: milliseconds for latencies (null without samples), 0-1 for ratios.</summary>
    public double? Measure(RunResult result) => Measure(result.LatencySummary, result.Ratios);

    /// <summary>The figure from a latency summary and ratios (merged results of several runs).</summary>
    public double? Measure(LatencySummary latency, RatioFigures ratios) => Kind switch
    {
        BudgetFigureKind.Latency => _latency!(latency),
        BudgetFigureKind.Ratio => _ratio!(ratios),
        _ => throw new InvalidOperationException($"{Name} is measured by the command, not from a run's result"),
    };

    /// <summary>The latency figure of a summary (latency figures only).</summary>
    public double? MeasureLatency(LatencySummary summary) =>
        _latency is null ? throw new InvalidOperationException($"{Name} is not a latency") : _latency(summary);
}

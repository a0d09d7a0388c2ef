using NeuroPilot.Edge.LoadTests.Cli;

namespace NeuroPilot.Edge.LoadTests.Budgets;

/// <summary>An upper limit on one figure of a run, as given on the command line: <c>p99=5ms</c>, <c>error-rate=0.1%</c>.</summary>
internal sealed record Budget(BudgetFigure Figure, double Limit, string Text)
{
    /// <summary>Parses <c>FIGURE=LIMIT</c>; throws <see cref="FormatException"/> naming the known figures when the figure is unknown.</summary>
    public static Budget Parse(string text) => Parse(text, []);

    /// <summary>Parses <c>FIGURE=LIMIT</c> where FIGURE may also be one of <paramref name="extraFigures"/> (a drill's).</summary>
    public static Budget Parse(string text, IReadOnlyList<BudgetFigure> extraFigures)
    {
        var knownNames = extraFigures.Count == 0
            ? BudgetFigure.KnownNames
            : string.Join(", ", extraFigures.Concat(BudgetFigure.Known).Select(f => f.Name));
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || equals == text.Length - 1)
        {
            throw new FormatException($"is not FIGURE=LIMIT (like p99=5ms or error-rate=0.1%); known figures: {knownNames}");
        }

        var name = text[..equals].Trim();
        var limitText = text[(equals + 1)..].Trim();
        var figure = BudgetFigure.Find(name, extraFigures.Concat(BudgetFigure.Known))
            ?? throw new FormatException($"unknown figure \"{name}\"; known figures: {knownNames}");
        double limit;
        try
        {
            limit = figure.Kind switch
            {
                BudgetFigureKind.Latency or BudgetFigureKind.Duration => ValueParsers.Duration(limitText).TotalMilliseconds,
                BudgetFigureKind.Count => ValueParsers.Count(limitText, 0, int.MaxValue),
                BudgetFigureKind.Bytes => ValueParsers.Bytes(limitText),
                _ => ValueParsers.Ratio(limitText),
            };
        }
        catch (FormatException e)
        {
            var example = figure.Kind switch
            {
                BudgetFigureKind.Latency or BudgetFigureKind.Duration => "5ms, 250us, 1.5s",
                BudgetFigureKind.Count => "0 or 10",
                BudgetFigureKind.Bytes => "100MiB or 512k",
                _ => "0.1% or 0.001",
            };
            throw new FormatException($"the limit \"{limitText}\" of {figure.Name} {e.Message} (like {example})", e);
        }

        return new Budget(figure, limit, $"{figure.Name}={limitText}");
    }

    /// <summary>The limit as people write it: <c>5 ms</c>, <c>0.1%</c>.</summary>
    public string LimitDisplay => Display(Figure.Kind, Limit);

    /// <summary>A value of a figure of <paramref name="kind"/> as people write it.</summary>
    public static string Display(BudgetFigureKind kind, double value) => kind switch
    {
        BudgetFigureKind.Latency or BudgetFigureKind.Duration => Reports.DisplayFormat.Milliseconds(value),
        BudgetFigureKind.Count => Reports.DisplayFormat.Count((long)value),
        BudgetFigureKind.Bytes => Reports.DisplayFormat.Bytes(value),
        _ => Reports.DisplayFormat.Percent(value),
    };
}

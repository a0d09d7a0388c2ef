using NeuroPilot.Edge.LoadTests.Cli;

namespace NeuroPilot.Edge.LoadTests.Budgets;

/// <summary>An upper limit on one figure of a run, as given on the command line: <c>p99=5ms</c>, <c>error-rate=0.1%</c>.</summary>
internal sealed record Budget(BudgetFigure Figure, double Limit, string Text)
{
    /// <summary>Parses <c>FIGURE=LIMIT</c>; throws <see cref="FormatException"/> naming the known figures when the figure is unknown.</summary>
    public static Budget Parse(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || equals == text.Length - 1)
        {
            throw new FormatException($"is not FIGURE=LIMIT (like p99=5ms or error-rate=0.1%); known figures: {BudgetFigure.KnownNames}");
        }

        var name = text[..equals].Trim();
        var limitText = text[(equals + 1)..].Trim();
        var figure = BudgetFigure.Find(name)
            ?? throw new FormatException($"unknown figure \"{name}\"; known figures: {BudgetFigure.KnownNames}");
        double limit;
        try
        {
            limit = figure.Kind == BudgetFigureKind.Latency
                ? ValueParsers.Duration(limitText).TotalMilliseconds
                : ValueParsers.Ratio(limitText);
        }
        catch (FormatException e)
        {
            var example = figure.Kind == BudgetFigureKind.Latency ? "5ms, 250us, 1.5s" : "0.1% or 0.001";
            throw new FormatException($"the limit \"{limitText}\" of {figure.Name} {e.Message} (like {example})", e);
        }

        return new Budget(figure, limit, $"{figure.Name}={limitText}");
    }

    /// <summary>The limit as people write it: <c>5 ms</c>, <c>0.1%</c>.</summary>
    public string LimitDisplay => Figure.Kind == BudgetFigureKind.Latency
        ? Reports.DisplayFormat.Milliseconds(Limit)
        : Reports.DisplayFormat.Percent(Limit);
}

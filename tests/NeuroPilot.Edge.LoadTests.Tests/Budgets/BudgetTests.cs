using NeuroPilot.Edge.LoadTests.Budgets;

namespace NeuroPilot.Edge.LoadTests.Tests.Budgets;

public class BudgetTests
{
    [Theory]
    [InlineData("p99=5ms", "p99", 5)]
    [InlineData("p999=250us", "p999", 0.25)]
    [InlineData("max=1.5s", "max", 1500)]
    [InlineData("error-rate=0.1%", "error-rate", 0.001)]
    [InlineData("late-rate=0.01", "late-rate", 0.01)]
    [InlineData("P50=1ms", "p50", 1)]
    public void Parse_KnownFigure_HasTheLimitInMillisecondsOrAsARatio(string text, string figure, double limit)
    {
        var budget = Budget.Parse(text);

        Assert.Equal(figure, budget.Figure.Name);
        Assert.Equal(limit, budget.Limit, 9);
    }

    [Fact]
    public void Parse_UnknownFigure_ListsTheKnownFigures()
    {
        var error = Assert.Throws<FormatException>(() => Budget.Parse("p98=5ms"));

        Assert.Contains("unknown figure \"p98\"", error.Message, StringComparison.Ordinal);
        foreach (var known in new[] { "p50", "p90", "p99", "p999", "max", "error-rate" })
        {
            Assert.Contains(known, error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("p99=5")]
    [InlineData("p99")]
    [InlineData("p99=")]
    [InlineData("error-rate=150%")]
    [InlineData("error-rate=5ms")]
    public void Parse_BadLimit_IsRejected(string text)
    {
        Assert.Throws<FormatException>(() => Budget.Parse(text));
    }
}

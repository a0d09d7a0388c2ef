using System.Diagnostics;
using NeuroPilot.Edge.LoadTests.Budgets;
using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Tests.Budgets;

public class BudgetEvaluatorTests
{
    [Fact]
    public void Evaluate_LatencyBudgetWithoutAnyResponse_Fails()
    {
        var recorder = new RunRecorder(new LoadProfile { Rate = 10, Duration = TimeSpan.FromSeconds(1) });
        recorder.Begin(Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow);
        var result = recorder.Seal(connectionsOpened: 1, interrupted: false);

        var results = BudgetEvaluator.Evaluate([Budget.Parse("p99=5ms"), Budget.Parse("error-rate=1%")], result);

        Assert.False(results[0].Passed);
        Assert.Null(results[0].Actual);
        Assert.True(results[1].Passed);
    }

    [Fact]
    public void Evaluate_SlowResponses_BreachesTheLatencyBudget()
    {
        var recorder = new RunRecorder(new LoadProfile { Rate = 10, Duration = TimeSpan.FromSeconds(1) });
        var start = Stopwatch.GetTimestamp();
        recorder.Begin(start, DateTimeOffset.UtcNow);
        var tenMilliseconds = Stopwatch.Frequency / 100;
        for (var i = 0; i < 10; i++)
        {
            var intended = start + (i * tenMilliseconds);
            recorder.RecordScheduled(intended, 1);
            recorder.RecordSend(intended, intended, queued: false);
            recorder.RecordResponse(intended, intended, intended + tenMilliseconds, 200);
        }

        var result = recorder.Seal(connectionsOpened: 1, interrupted: false);
        var results = BudgetEvaluator.Evaluate([Budget.Parse("p99=5ms"), Budget.Parse("p99=20ms")], result);

        Assert.Equal(10, results[0].Actual!.Value, 0);
        Assert.False(results[0].Passed);
        Assert.True(results[1].Passed);
    }
}

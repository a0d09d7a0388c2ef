using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Failover;
using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Tests.Routing;

/// <summary>The Envoy-style budget: retry attempts in flight against requests in flight.</summary>
public class RetryBudgetTests
{
    private static RetryBudget Budget(double percent = 20, int min = 10) =>
        new(new RetryOptions { BudgetPercent = percent, MinRetryConcurrency = min });

    [Fact]
    public void TryStartRetry_WithFewRequestsInFlight_AllowsTheMinimumConcurrency()
    {
        var budget = Budget(min: 3);
        budget.OnRequestStarted();

        Assert.True(budget.TryStartRetry());
        Assert.True(budget.TryStartRetry());
        Assert.True(budget.TryStartRetry());
        Assert.False(budget.TryStartRetry());
        Assert.Equal(3, budget.ActiveRetries);
    }

    [Fact]
    public void TryStartRetry_ManyRequestsInFlight_AllowsThePercentageOfThem()
    {
        var budget = Budget(percent: 20, min: 3);
        for (var i = 0; i < 100; i++)
        {
            budget.OnRequestStarted();
        }

        var allowed = 0;
        while (budget.TryStartRetry())
        {
            allowed++;
        }

        Assert.Equal(20, allowed);
    }

    [Fact]
    public void OnRetryEnded_GivesTheSlotBack()
    {
        var budget = Budget(min: 1);
        Assert.True(budget.TryStartRetry());
        Assert.False(budget.CanRetry());

        budget.OnRetryEnded();

        Assert.True(budget.CanRetry());
        Assert.True(budget.TryStartRetry());
    }

    [Fact]
    public void Limit_ShrinksAsRequestsEnd()
    {
        var budget = Budget(percent: 50, min: 0);
        for (var i = 0; i < 10; i++)
        {
            budget.OnRequestStarted();
        }

        Assert.Equal(5, budget.Limit);
        for (var i = 0; i < 8; i++)
        {
            budget.OnRequestEnded();
        }

        Assert.Equal(1, budget.Limit);
    }

    [Fact]
    public void TryStartRetry_ZeroPercentAndZeroMinimum_NeverRetries()
    {
        var budget = Budget(percent: 0, min: 0);
        budget.OnRequestStarted();

        Assert.False(budget.TryStartRetry());
    }

    [Fact]
    public void TryStartRetry_MoreRequestsPileUp_BudgetGrowsWithThem()
    {
        var budget = Budget(percent: 20, min: 3);
        Start(budget, requests: 100);
        Assert.Equal(20, StartAll(budget));

        Start(budget, requests: 50); // a hung region: requests pile up

        Assert.Equal(10, StartAll(budget)); // 20 % of 150 = 30, 20 already in flight
    }

    [Fact]
    public void TryStartRetry_RequestsEnded_RefusesUntilRetriesDrainBelowTheSmallerLimit()
    {
        var budget = Budget(percent: 20, min: 3);
        Start(budget, requests: 100);
        StartAll(budget); // 20 retries in flight

        for (var i = 0; i < 50; i++)
        {
            budget.OnRequestEnded();
        }

        for (var i = 0; i < 10; i++)
        {
            budget.OnRetryEnded();
        }

        Assert.False(budget.TryStartRetry()); // 10 in flight, limit 20 % of 50 = 10

        budget.OnRetryEnded();
        Assert.True(budget.TryStartRetry());
    }

    [Fact]
    public void CanRetry_AskedManyTimes_TakesNothingFromTheBudget()
    {
        var budget = Budget(min: 3);

        for (var i = 0; i < 100; i++)
        {
            Assert.True(budget.CanRetry());
        }

        Assert.Equal(0, budget.ActiveRetries);
        Assert.Equal(3, StartAll(budget));
    }

    [Fact]
    public void TryStartRetry_RefusedByTheBudget_IsNotCounted()
    {
        var budget = Budget(min: 3);
        StartAll(budget);

        Assert.False(budget.TryStartRetry());
        Assert.False(budget.TryStartRetry());

        Assert.Equal(3, budget.ActiveRetries);
    }

    [Fact]
    public void ActiveRequestsAndRetries_FollowStartsAndEnds()
    {
        var budget = Budget(min: 3);
        Start(budget, requests: 2);
        Assert.True(budget.TryStartRetry());
        Assert.True(budget.TryStartRetry());
        Assert.Equal(2, budget.ActiveRequests);
        Assert.Equal(2, budget.ActiveRetries);

        budget.OnRetryEnded();
        budget.OnRequestEnded();

        Assert.Equal(1, budget.ActiveRequests);
        Assert.Equal(1, budget.ActiveRetries);
    }

    [Fact]
    public async Task TryStartRetry_ManyThreadsAtOnce_NeverGrantMoreThanTheLimit()
    {
        var budget = Budget(percent: 20, min: 3);
        Start(budget, requests: 100);
        var granted = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                if (budget.TryStartRetry())
                {
                    Interlocked.Increment(ref granted);
                }
            }
        })));

        Assert.Equal(20, granted);
        Assert.Equal(20, budget.ActiveRetries);
    }

    private static void Start(RetryBudget budget, int requests)
    {
        for (var i = 0; i < requests; i++)
        {
            budget.OnRequestStarted();
        }
    }

    /// <summary>Starts retries until the budget refuses; returns how many it let start.</summary>
    private static int StartAll(RetryBudget budget)
    {
        var granted = 0;
        while (budget.TryStartRetry())
        {
            if (++granted > 10_000)
            {
                Assert.Fail("the budget never ran out");
            }
        }

        return granted;
    }
}

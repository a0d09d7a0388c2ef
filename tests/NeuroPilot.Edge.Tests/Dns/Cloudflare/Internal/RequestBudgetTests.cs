using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Dns.Cloudflare.Internal;

namespace NeuroPilot.Edge.Tests.Dns.Cloudflare.Internal;

public sealed class RequestBudgetTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void TryTake_UpToTheLimit_PassesThenRefusesUntilTheOldestRequestLeavesTheWindow()
    {
        var budget = new RequestBudget(3, _time);
        Assert.True(budget.TryTake(out _));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(budget.TryTake(out _));
        Assert.True(budget.TryTake(out _));

        Assert.False(budget.TryTake(out var retryAfter));
        Assert.Equal(TimeSpan.FromMinutes(4), retryAfter);
        Assert.Equal(3, budget.InWindow);

        _time.Advance(TimeSpan.FromMinutes(4) - TimeSpan.FromTicks(1));
        Assert.False(budget.TryTake(out retryAfter));
        Assert.Equal(TimeSpan.FromTicks(1), retryAfter);

        _time.Advance(TimeSpan.FromTicks(1));
        Assert.True(budget.TryTake(out _));
    }

    [Fact]
    public void Window_Slides_EachRequestLeavesFiveMinutesAfterItWasSent()
    {
        var budget = new RequestBudget(2, _time);
        Assert.True(budget.TryTake(out _));
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.True(budget.TryTake(out _));

        // A fixed window starting at the first request would refill everything at 5 minutes; a sliding one frees one slot then, the next 2 minutes later.
        _time.Advance(TimeSpan.FromMinutes(3));
        Assert.True(budget.TryTake(out _));
        Assert.False(budget.TryTake(out var retryAfter));
        Assert.Equal(TimeSpan.FromMinutes(2), retryAfter);
    }

    [Fact]
    public void TryTake_Refused_DoesNotCountAndDoesNotPushTheWindowBack()
    {
        var budget = new RequestBudget(1, _time);
        Assert.True(budget.TryTake(out _));
        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(20));
            Assert.False(budget.TryTake(out _));
        }

        Assert.Equal(1, budget.InWindow);
        _time.Advance(TimeSpan.FromSeconds(100));
        Assert.True(budget.TryTake(out _));
    }

    [Fact]
    public void Constructor_LimitBelowOne_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RequestBudget(0, _time));
}

using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Limits;

namespace NeuroPilot.Edge.Tests.Limits;

public sealed class InFlightLimiterTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void TryEnter_UpToMaxInFlight_ThenRefusedUntilOneExits()
    {
        var limiter = new InFlightLimiter(maxInFlight: 2, maxQueue: 0, TimeSpan.FromSeconds(1), _time);

        Assert.True(limiter.TryEnter());
        Assert.True(limiter.TryEnter());
        Assert.False(limiter.TryEnter());

        limiter.Exit();
        Assert.True(limiter.TryEnter());
        Assert.Equal(2, limiter.InFlight);
    }

    [Fact]
    public async Task EnterQueuedAsync_ASlotFreesWithinTheTimeout_IsAdmitted()
    {
        var limiter = new InFlightLimiter(maxInFlight: 1, maxQueue: 1, TimeSpan.FromSeconds(1), _time);
        Assert.True(limiter.TryEnter());

        var waiting = limiter.EnterQueuedAsync(CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, limiter.Queued);
        limiter.Exit();

        Assert.Equal(LimitDecision.Admitted, await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, limiter.InFlight);
        Assert.Equal(0, limiter.Queued);
    }

    [Fact]
    public async Task EnterQueuedAsync_QueueFull_IsOverCapacityAtOnce()
    {
        var limiter = new InFlightLimiter(maxInFlight: 1, maxQueue: 1, TimeSpan.FromSeconds(1), _time);
        Assert.True(limiter.TryEnter());
        var first = limiter.EnterQueuedAsync(CancellationToken.None).AsTask();

        var second = await limiter.EnterQueuedAsync(CancellationToken.None);

        Assert.Equal(LimitDecision.OverCapacity, second);
        Assert.False(first.IsCompleted);
        limiter.Exit();
        Assert.Equal(LimitDecision.Admitted, await first.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task EnterQueuedAsync_NoSlotWithinTheTimeout_IsQueueTimeout()
    {
        var limiter = new InFlightLimiter(maxInFlight: 1, maxQueue: 5, TimeSpan.FromSeconds(1), _time);
        Assert.True(limiter.TryEnter());
        var waiting = limiter.EnterQueuedAsync(CancellationToken.None).AsTask();

        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(LimitDecision.QueueTimeout, await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, limiter.Queued);
        Assert.Equal(1, limiter.InFlight);
    }

    [Fact]
    public async Task EnterQueuedAsync_ManyWaitersAndExits_NeverMoreThanMaxInFlightAndNoneLost()
    {
        var limiter = new InFlightLimiter(maxInFlight: 3, maxQueue: 1000, TimeSpan.FromMinutes(1), TimeProvider.System);
        var peak = 0;
        var admitted = 0;
        await Task.WhenAll(Enumerable.Range(0, 200).Select(async _ =>
        {
            var decision = limiter.TryEnter() ? LimitDecision.Admitted : await limiter.EnterQueuedAsync(CancellationToken.None);
            Assert.Equal(LimitDecision.Admitted, decision);
            Interlocked.Increment(ref admitted);
            var now = limiter.InFlight;
            InterlockedMax(ref peak, now);
            await Task.Yield();
            limiter.Exit();
        })).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(200, admitted);
        Assert.InRange(peak, 1, 3);
        Assert.Equal(0, limiter.InFlight);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var current = Volatile.Read(ref target); value > current; current = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, current) == current)
            {
                return;
            }
        }
    }
}

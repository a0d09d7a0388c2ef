using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Limits;

namespace NeuroPilot.Edge.Tests.Limits;

public sealed class ClientRateLimiterTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void TryAcquire_BurstAtOnce_TheBurstPassesAndTheNextWaitsOneInterval()
    {
        var limiter = new ClientRateLimiter(perClient: 10, per: TimeSpan.FromSeconds(1), burst: 5, _time);

        for (var i = 0; i < 5; i++)
        {
            Assert.True(limiter.TryAcquire("203.0.113.7", out _), $"request {i + 1} of the burst");
        }

        Assert.False(limiter.TryAcquire("203.0.113.7", out var retryAfter));
        Assert.Equal(TimeSpan.FromMilliseconds(100), retryAfter);
    }

    [Fact]
    public void TryAcquire_SteadyAtTheRate_NeverRefused()
    {
        var limiter = new ClientRateLimiter(perClient: 10, per: TimeSpan.FromSeconds(1), burst: 1, _time);

        for (var i = 0; i < 100; i++)
        {
            Assert.True(limiter.TryAcquire("203.0.113.7", out _), $"request {i + 1}");
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }
    }

    [Fact]
    public void TryAcquire_AfterAQuietPeriod_TheBurstIsBackButNoMore()
    {
        var limiter = new ClientRateLimiter(perClient: 10, per: TimeSpan.FromSeconds(1), burst: 3, _time);
        while (limiter.TryAcquire("203.0.113.7", out _))
        {
        }

        _time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(3, Enumerable.Range(0, 10).Count(i => limiter.TryAcquire("203.0.113.7", out _)));
    }

    [Fact]
    public void TryAcquire_AnotherClient_HasItsOwnBucket()
    {
        var limiter = new ClientRateLimiter(perClient: 1, per: TimeSpan.FromSeconds(1), burst: 1, _time);
        Assert.True(limiter.TryAcquire("203.0.113.7", out _));
        Assert.False(limiter.TryAcquire("203.0.113.7", out _));

        Assert.True(limiter.TryAcquire("198.51.100.4", out _));
    }

    [Fact]
    public void TryAcquire_IPv6ClientsOfOneSlash64_ShareTheirBucket()
    {
        var limiter = new ClientRateLimiter(perClient: 1, per: TimeSpan.FromSeconds(1), burst: 1, _time);
        Assert.True(limiter.TryAcquire("2001:db8:1:2::1", out _));

        Assert.False(limiter.TryAcquire("2001:db8:1:2:ffff::9", out _));
        Assert.True(limiter.TryAcquire("2001:db8:1:3::1", out _));
    }
}

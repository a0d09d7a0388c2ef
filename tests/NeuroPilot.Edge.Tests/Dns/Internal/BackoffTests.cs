using NeuroPilot.Edge.Dns.Cloudflare;
using NeuroPilot.Edge.Dns.Internal;

namespace NeuroPilot.Edge.Tests.Dns.Internal;

public sealed class BackoffTests
{
    [Theory]
    [InlineData(1, 250)]
    [InlineData(2, 500)]
    [InlineData(3, 1000)]
    [InlineData(4, 1000)]
    [InlineData(60, 1000)]
    public void Delay_IsFullJitterBelowADoublingCeilingCappedAtOneSecond(int retry, int ceilingMs)
    {
        Assert.Equal(TimeSpan.Zero, Cloudflare(retry, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(ceilingMs / 2.0), Cloudflare(retry, 0.5));
        var highest = Cloudflare(retry, 0.999_999);
        Assert.InRange(highest, TimeSpan.FromMilliseconds(ceilingMs * 0.999), TimeSpan.FromMilliseconds(ceilingMs));
    }

    [Theory]
    [InlineData(1, 0.0, 500)]
    [InlineData(1, 0.999_999, 1000)]
    [InlineData(3, 0.0, 2000)]
    [InlineData(10, 0.0, 15000)]
    public void Delay_WithMinimumShare_StaysWithinHalfToAllOfTheCappedCeiling(int retry, double random, int expectedMs) =>
        Assert.Equal(expectedMs, Backoff.Delay(retry, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.5, random).TotalMilliseconds, 0);

    /// <summary>The Cloudflare provider's retry backoff: full jitter, ceilings 250 ms doubling to 1 s.</summary>
    private static TimeSpan Cloudflare(int retry, double random) =>
        Backoff.Delay(retry, CloudflareProvider.RetryBackoffFirst, CloudflareProvider.RetryBackoffCap, 0, random);
}

using NeuroPilot.Edge.Dns.Cloudflare.Internal;

namespace NeuroPilot.Edge.Tests.Dns.Cloudflare.Internal;

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
        Assert.Equal(TimeSpan.Zero, Backoff.Delay(retry, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(ceilingMs / 2.0), Backoff.Delay(retry, 0.5));
        var highest = Backoff.Delay(retry, 0.999_999);
        Assert.InRange(highest, TimeSpan.FromMilliseconds(ceilingMs * 0.999), TimeSpan.FromMilliseconds(ceilingMs));
    }
}

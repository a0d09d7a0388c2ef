using NeuroPilot.Edge.Dns;

namespace NeuroPilot.Edge.Tests.Dns;

public class RegionHysteresisTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Down = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Up = TimeSpan.FromSeconds(60);

    private readonly RegionHysteresis _hold = new();

    private bool Observe(bool usable, double seconds) => _hold.Observe("api", "us-east", usable, T0.AddSeconds(seconds), Down, Up);

    [Fact]
    public void Observe_FirstSight_IsPublishedAsIs()
    {
        Assert.True(Observe(true, 0));
        Assert.False(_hold.Observe("api", "eu-west", false, T0, Down, Up));
    }

    [Fact]
    public void Observe_DownShorterThanDownHoldTime_StaysPublished()
    {
        Observe(true, 0);

        Assert.True(Observe(false, 1));
        Assert.True(Observe(false, 10.9));
        Assert.True(Observe(true, 11));
        Assert.True(Observe(false, 12));
        Assert.True(Observe(false, 21.9));
    }

    [Fact]
    public void Observe_DownForDownHoldTime_LeavesDns()
    {
        Observe(true, 0);
        Observe(false, 1);

        Assert.False(Observe(false, 11));
    }

    [Fact]
    public void Observe_BackUp_ReturnsOnlyAfterUpHoldTimeWithoutInterruption()
    {
        Observe(true, 0);
        Observe(false, 1);
        Observe(false, 11);

        Assert.False(Observe(true, 20));
        Assert.False(Observe(true, 79.9));
        Assert.False(Observe(false, 79.95));
        Assert.False(Observe(true, 80));
        Assert.False(Observe(true, 139.9));
        Assert.True(Observe(true, 140));
    }

    [Fact]
    public void NextChange_IsWhenTheHoldRunsOut()
    {
        Observe(true, 0);
        Assert.Null(_hold.NextChange(Down, Up));

        Observe(false, 5);
        Assert.Equal(T0.AddSeconds(15), _hold.NextChange(Down, Up));

        Observe(false, 15);
        Assert.Null(_hold.NextChange(Down, Up));
    }

    [Fact]
    public void HoldBack_UnknownRegion_MustHoldUpBeforeItIsPublished()
    {
        _hold.HoldBack("api", "us-east", T0);

        Assert.False(Observe(true, 1));
        Assert.True(Observe(true, 61));
    }

    [Fact]
    public void HoldBack_PublishedRegion_RestartsItsUpHold()
    {
        Observe(true, 0);
        _hold.HoldBack("api", "us-east", T0.AddSeconds(5));

        Assert.False(Observe(true, 64.9));
        Assert.True(Observe(true, 65));
    }
}

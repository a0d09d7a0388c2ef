using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Tests.OpenModel;

public class RateScheduleTests
{
    private const long TicksPerSecond = 1_000_000_000;

    [Fact]
    public void Count_RateTimesLength_IsTheNumberOfRequests()
    {
        Assert.Equal(20_000, new RateSchedule(0, 2000, TicksPerSecond, TimeSpan.FromSeconds(10)).Count);
        Assert.Equal(3, new RateSchedule(0, 3, TicksPerSecond, TimeSpan.FromSeconds(1)).Count);
        Assert.Equal(2, new RateSchedule(0, 1.5, TicksPerSecond, TimeSpan.FromSeconds(1)).Count);
    }

    [Fact]
    public void IntendedAt_ThreePerSecond_IsEveryThirdOfASecondFromTheStart()
    {
        var schedule = new RateSchedule(500, 3, TicksPerSecond, TimeSpan.FromSeconds(1));

        Assert.Equal(500, schedule.IntendedAt(0));
        Assert.Equal(500 + 333_333_333, schedule.IntendedAt(1));
        Assert.Equal(500 + 666_666_666, schedule.IntendedAt(2));
    }

    [Fact]
    public void IntendedAt_TenMillionRequestsLater_HasNotDrifted()
    {
        var schedule = new RateSchedule(0, 10_000, TicksPerSecond, TimeSpan.FromHours(1));

        Assert.Equal(1000L * TicksPerSecond, schedule.IntendedAt(10_000_000));
    }

    [Fact]
    public void DueBy_CountsRequestsIntendedAtOrBeforeTheTime()
    {
        var schedule = new RateSchedule(1000, 10, TicksPerSecond, TimeSpan.FromSeconds(1));

        Assert.Equal(0, schedule.DueBy(999));
        Assert.Equal(1, schedule.DueBy(1000));
        Assert.Equal(1, schedule.DueBy(1000 + 99_999_999));
        Assert.Equal(2, schedule.DueBy(1000 + 100_000_000));
        Assert.Equal(10, schedule.DueBy(1000 + 5 * TicksPerSecond));
    }

    [Fact]
    public void Segments_EachAtItsOwnRate_FollowOneAnotherWithoutAGap()
    {
        var schedule = new RateSchedule(
            1000,
            [new RateSegment(10, TimeSpan.FromSeconds(1)), new RateSegment(100, TimeSpan.FromMilliseconds(500)), new RateSegment(10, TimeSpan.FromSeconds(1))],
            TicksPerSecond);

        Assert.Equal(10 + 50 + 10, schedule.Count);
        Assert.Equal(1000 + 900_000_000, schedule.IntendedAt(9));
        Assert.Equal(1000 + TicksPerSecond, schedule.IntendedAt(10));
        Assert.Equal(1000 + TicksPerSecond + 10_000_000, schedule.IntendedAt(11));
        Assert.Equal(1000 + 1_500_000_000, schedule.IntendedAt(60));
        Assert.Equal(1000 + 1_500_000_000, schedule.SegmentStart(2));
    }

    [Fact]
    public void DueBy_AcrossSegments_CountsEachSegmentAtItsRate()
    {
        var schedule = new RateSchedule(0, [new RateSegment(10, TimeSpan.FromSeconds(1)), new RateSegment(100, TimeSpan.FromSeconds(1))], TicksPerSecond);

        Assert.Equal(10, schedule.DueBy(TicksPerSecond - 1));
        Assert.Equal(11, schedule.DueBy(TicksPerSecond));
        Assert.Equal(60, schedule.DueBy(TicksPerSecond + 490_000_000));
        Assert.Equal(110, schedule.DueBy(5 * TicksPerSecond));
    }

    [Fact]
    public void For_ProfileWithPhases_WarmsUpAtTheFirstPhasesRateThenFollowsThePhases()
    {
        var profile = new LoadProfile
        {
            Rate = 55,
            Duration = TimeSpan.FromSeconds(2),
            Warmup = TimeSpan.FromSeconds(1),
            Phases = [new RatePhase("baseline", 10, TimeSpan.FromSeconds(1)), new RatePhase("spike", 100, TimeSpan.FromSeconds(1))],
        };

        var schedule = RateSchedule.For(profile, 0, TicksPerSecond);

        Assert.Equal(10 + 10 + 100, schedule.Count);
        Assert.Equal(2 * TicksPerSecond, schedule.SegmentStart(1));
    }
}

using NeuroPilot.Edge.CircuitBreaking;

namespace NeuroPilot.Edge.Tests.CircuitBreaking;

public class FailureWindowTests
{
    private const long Frequency = TimeSpan.TicksPerSecond;

    /// <summary>A clock reading far from zero, at the start of a one-second bucket (as the fake clock starts).</summary>
    private static readonly long Start = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero).Ticks;

    [Fact]
    public void Sum_AttemptsInTheWindow_CountsAttemptsAndFailures()
    {
        var window = new FailureWindow(TimeSpan.FromSeconds(10), Frequency);

        window.Record(Start, failed: true);
        window.Record(At(2.5), failed: false);
        window.Record(At(7), failed: true);
        window.Record(At(9.9), failed: false);

        Assert.Equal((4, 2), window.Sum(At(9.9)));
    }

    [Fact]
    public void New_NothingRecorded_KeepsNoBuckets()
    {
        var window = new FailureWindow(TimeSpan.FromSeconds(10), Frequency);

        window.Sum(Start);
        window.Clear();

        Assert.False(window.HasBuckets);
    }

    [Fact]
    public void Record_First_MakesTheBucketsAndCounts()
    {
        var window = new FailureWindow(TimeSpan.FromSeconds(10), Frequency);
        window.Clear();

        window.Record(Start, failed: true);

        Assert.True(window.HasBuckets);
        Assert.Equal((1, 1), window.Sum(Start));
    }

    [Fact]
    public void Sum_NothingRecorded_IsZero()
    {
        var window = new FailureWindow(TimeSpan.FromSeconds(10), Frequency);

        Assert.Equal((0, 0), window.Sum(Start));
    }

    [Fact]
    public void Sum_AttemptsOlderThanTheDuration_LeaveTheWindow()
    {
        var window = new FailureWindow(TimeSpan.FromSeconds(10), Frequency);
        window.Record(Start, failed: true);
        window.Record(At(3), failed: true);
        window.Record(At(6), failed: false);

        Assert.Equal((3, 2), window.Sum(At(9.999)));
        Assert.Equal((2, 1), window.Sum(At(10)));
        Assert.Equal((1, 0), window.Sum(At(13)));
        Assert.Equal((0, 0), window.Sum(At(16)));
    }

    [Fact]
    public void Record_BucketReusedAfterAFullWindow_StartsFromZero()
    {
        var window = new FailureWindow(TimeSpan.FromSeconds(10), Frequency);
        for (var i = 0; i < 5; i++)
        {
            window.Record(Start, failed: true);
        }

        window.Record(At(10), failed: false); // the same bucket slot, ten seconds on

        Assert.Equal((1, 0), window.Sum(At(10)));
    }

    [Fact]
    public void Sum_ShortDuration_SlidesInTenthsOfIt()
    {
        var window = new FailureWindow(TimeSpan.FromSeconds(1), Frequency);
        window.Record(Start, failed: true);

        Assert.Equal((1, 1), window.Sum(At(0.999)));
        Assert.Equal((0, 0), window.Sum(At(1)));
    }

    [Fact]
    public void Clear_ForgetsEveryAttempt()
    {
        var window = new FailureWindow(TimeSpan.FromSeconds(10), Frequency);
        window.Record(Start, failed: true);
        window.Record(At(1), failed: false);

        window.Clear();

        Assert.Equal((0, 0), window.Sum(At(1)));
        window.Record(At(1), failed: false);
        Assert.Equal((1, 0), window.Sum(At(1)));
    }

    [Fact]
    public void Clear_ClockNearZero_ForgetsEveryAttempt()
    {
        var window = new FailureWindow(TimeSpan.FromSeconds(10), Frequency);
        window.Record(0, failed: true);
        window.Record(Frequency, failed: true);

        window.Clear();

        Assert.Equal((0, 0), window.Sum(2 * Frequency));
    }

    private static long At(double seconds) => Start + (long)(seconds * Frequency);
}

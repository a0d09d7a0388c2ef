using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Health;

namespace NeuroPilot.Edge.Tests.Health;

public class ProbeTrackerTests
{
    private static readonly HealthCheckOptions Options = new()
    {
        Interval = TimeSpan.FromSeconds(10),
        FastInterval = TimeSpan.FromSeconds(1),
        UnhealthyThreshold = 3,
        HealthyThreshold = 2,
    };

    public static TheoryData<double> Randoms => [0.0, 0.25, 0.5, 0.75, 0.999_999_999];

    [Fact]
    public void NewTracker_IsHealthySoTrafficFlowsBeforeTheFirstProbe()
    {
        var tracker = new ProbeTracker(Options);

        Assert.True(tracker.Healthy);
    }

    [Fact]
    public void Record_FewerFailuresThanUnhealthyThreshold_StaysUp()
    {
        var tracker = new ProbeTracker(Options);

        Assert.False(tracker.Record(success: false));
        Assert.False(tracker.Record(success: false));

        Assert.True(tracker.Healthy);
        Assert.Equal(2, tracker.ConsecutiveFailures);
    }

    [Fact]
    public void Record_UnhealthyThresholdFailuresInARow_MarksDownAndReportsTheChangeOnce()
    {
        var tracker = new ProbeTracker(Options);
        tracker.Record(success: false);
        tracker.Record(success: false);

        Assert.True(tracker.Record(success: false));
        Assert.False(tracker.Healthy);

        Assert.False(tracker.Record(success: false));
        Assert.False(tracker.Healthy);
    }

    [Fact]
    public void Record_SuccessBetweenFailures_StartsTheFallAgain()
    {
        var tracker = new ProbeTracker(Options);
        tracker.Record(success: false);
        tracker.Record(success: false);
        tracker.Record(success: true);
        tracker.Record(success: false);

        Assert.False(tracker.Record(success: false));
        Assert.True(tracker.Healthy);

        Assert.True(tracker.Record(success: false));
        Assert.False(tracker.Healthy);
    }

    [Fact]
    public void Record_HealthyThresholdSuccessesAfterDown_BringsItBackAndReportsTheChangeOnce()
    {
        var tracker = Down();

        Assert.False(tracker.Record(success: true));
        Assert.False(tracker.Healthy);

        Assert.True(tracker.Record(success: true));
        Assert.True(tracker.Healthy);

        Assert.False(tracker.Record(success: true));
        Assert.True(tracker.Healthy);
    }

    [Fact]
    public void Record_FailureWhileRecovering_StartsTheRiseAgain()
    {
        var tracker = Down();
        tracker.Record(success: true);
        tracker.Record(success: false);

        Assert.False(tracker.Record(success: true));
        Assert.False(tracker.Healthy);

        Assert.True(tracker.Record(success: true));
        Assert.True(tracker.Healthy);
    }

    [Fact]
    public void Record_SuccessesWhileHealthy_ReportNoChange()
    {
        var tracker = new ProbeTracker(Options);

        Assert.False(tracker.Record(success: true));
        Assert.False(tracker.Record(success: true));
        Assert.False(tracker.Record(success: true));
        Assert.True(tracker.Healthy);
    }

    [Fact]
    public void Record_OptionsReplacedByAReload_UsesTheNewThresholds()
    {
        var tracker = new ProbeTracker(Options);
        tracker.Record(success: false);

        tracker.Options = new HealthCheckOptions { UnhealthyThreshold = 2 };

        Assert.True(tracker.Record(success: false));
        Assert.False(tracker.Healthy);
    }

    [Fact]
    public void NextDelay_HealthyAndCalm_UsesInterval()
    {
        var tracker = new ProbeTracker(Options);
        tracker.Record(success: true);

        Assert.Equal(Options.Interval, tracker.NextDelay(suspected: false, random: 0.5));
    }

    [Fact]
    public void NextDelay_SuspectedByTraffic_UsesFastInterval()
    {
        var tracker = new ProbeTracker(Options);

        Assert.Equal(Options.FastInterval, tracker.NextDelay(suspected: true, random: 0.5));
    }

    [Fact]
    public void NextDelay_OneProbeFailed_UsesFastIntervalUntilAProbeSucceeds()
    {
        var tracker = new ProbeTracker(Options);
        tracker.Record(success: false);

        Assert.Equal(Options.FastInterval, tracker.NextDelay(suspected: false, random: 0.5));

        tracker.Record(success: true);
        Assert.Equal(Options.Interval, tracker.NextDelay(suspected: false, random: 0.5));
    }

    [Fact]
    public void NextDelay_Down_UsesFastInterval()
    {
        var tracker = Down();

        Assert.Equal(Options.FastInterval, tracker.NextDelay(suspected: false, random: 0.5));
    }

    [Fact]
    public void NextDelay_RecoveringAndBackUp_UsesFastIntervalUntilUpThenInterval()
    {
        var tracker = Down();
        tracker.Record(success: true);

        Assert.Equal(Options.FastInterval, tracker.NextDelay(suspected: false, random: 0.5));

        tracker.Record(success: true);
        Assert.Equal(Options.Interval, tracker.NextDelay(suspected: false, random: 0.5));
    }

    [Theory]
    [MemberData(nameof(Randoms))]
    public void NextDelay_AnyRandom_StaysWithinTheJitterOfTheInterval(double random)
    {
        var calm = new ProbeTracker(Options);
        var down = Down();

        AssertWithinJitter(Options.Interval, calm.NextDelay(suspected: false, random));
        AssertWithinJitter(Options.FastInterval, calm.NextDelay(suspected: true, random));
        AssertWithinJitter(Options.FastInterval, down.NextDelay(suspected: false, random));
    }

    [Fact]
    public void NextDelay_RandomAtItsEnds_SpansTheWholeJitterRange()
    {
        var tracker = new ProbeTracker(Options);

        Assert.Equal(TimeSpan.FromSeconds(8.5), tracker.NextDelay(suspected: false, random: 0));
        Assert.InRange(tracker.NextDelay(suspected: false, random: 0.999_999_999), TimeSpan.FromSeconds(11.499), TimeSpan.FromSeconds(11.5));
    }

    [Theory]
    [MemberData(nameof(Randoms))]
    public void FirstDelay_AnyRandom_IsWithinTheFastInterval(double random)
    {
        var tracker = new ProbeTracker(Options);

        var delay = tracker.FirstDelay(random);

        Assert.InRange(delay, TimeSpan.Zero, Options.FastInterval);
        Assert.True(delay < Options.FastInterval, $"{delay} is not below {Options.FastInterval}");
    }

    [Theory]
    [MemberData(nameof(Randoms))]
    public void FirstDelay_IntervalShorterThanFastInterval_IsWithinTheInterval(double random)
    {
        var options = new HealthCheckOptions { Interval = TimeSpan.FromMilliseconds(300), FastInterval = TimeSpan.FromSeconds(1) };
        var tracker = new ProbeTracker(options);

        var delay = tracker.FirstDelay(random);

        Assert.True(delay >= TimeSpan.Zero && delay < options.Interval, $"{delay} is not in [0, {options.Interval})");
    }

    [Fact]
    public void FirstDelay_DifferentRandoms_SpreadTheFirstProbes()
    {
        var tracker = new ProbeTracker(Options);

        Assert.Equal(TimeSpan.Zero, tracker.FirstDelay(0));
        Assert.Equal(TimeSpan.FromMilliseconds(500), tracker.FirstDelay(0.5));
    }

    private static ProbeTracker Down()
    {
        var tracker = new ProbeTracker(Options);
        for (var i = 0; i < Options.UnhealthyThreshold; i++)
        {
            tracker.Record(success: false);
        }

        Assert.False(tracker.Healthy);
        return tracker;
    }

    /// <summary>
    /// The factor is in [1 - Jitter, 1 + Jitter); TimeSpan multiplication rounds to the nearest tick, so a random
    /// just below 1 may land exactly on the upper bound (100 ns), never beyond it.
    /// </summary>
    private static void AssertWithinJitter(TimeSpan interval, TimeSpan delay)
    {
        var low = interval * (1 - ProbeTracker.Jitter);
        var high = interval * (1 + ProbeTracker.Jitter);
        Assert.True(delay >= low && delay <= high, $"{delay} is not in [{low}, {high}]");
    }
}

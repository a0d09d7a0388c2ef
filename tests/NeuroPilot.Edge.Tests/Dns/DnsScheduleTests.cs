using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Dns;

namespace NeuroPilot.Edge.Tests.Dns;

/// <summary>When the DNS pusher runs a round: interval, changes, force, backoff, the provider's Retry-After, start-up polling.</summary>
public class DnsScheduleTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero));
    private double _random = 0.999999;

    private DnsSchedule NewSchedule() => new(_time, () => _random);

    private DateTimeOffset Now => _time.GetUtcNow();

    [Fact]
    public void TryStartRound_SameDesireWithinTheInterval_IsNotDue_AfterTheInterval_IsDue()
    {
        var schedule = NewSchedule();
        Assert.True(schedule.TryStartRound("us-east", out var force));
        Assert.False(force);
        schedule.Succeeded("us-east", Interval);

        _time.Advance(Interval - TimeSpan.FromSeconds(1));
        Assert.False(schedule.TryStartRound("us-east", out _));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(schedule.TryStartRound("us-east", out _));
    }

    [Fact]
    public void TryStartRound_DesireChangedByAHealthSnapshot_IsDueAtOnce()
    {
        var schedule = NewSchedule();
        schedule.TryStartRound("us-east", out _);
        schedule.Succeeded("us-east", Interval);
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(schedule.TryStartRound("eu-west", out _));
    }

    [Fact]
    public void RequestForce_SameDesire_IsDueOnceAndForced()
    {
        var schedule = NewSchedule();
        schedule.TryStartRound("us-east", out _);
        schedule.Succeeded("us-east", Interval);

        schedule.RequestForce();
        Assert.True(schedule.TryStartRound("us-east", out var force));
        Assert.True(force);
        schedule.Succeeded("us-east", Interval);
        Assert.False(schedule.TryStartRound("us-east", out _));
    }

    [Fact]
    public void Failed_Repeatedly_BackoffCeilingsDoubleFromOneSecondUpToOneMinute()
    {
        var schedule = NewSchedule();
        var waits = new List<double>();
        for (var i = 0; i < 9; i++)
        {
            Assert.True(schedule.TryStartRound("us-east", out _), $"round {i + 1} is due once the backoff has passed");
            var notBefore = schedule.Failed(Now, Interval, retryAfter: null);
            waits.Add(Math.Round((notBefore - Now).TotalSeconds));
            Assert.False(schedule.TryStartRound("us-east", out _), "no round during a backoff");
            _time.Advance(notBefore - Now);
        }

        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60, 60], waits);
    }

    [Fact]
    public void Failed_JitterAtItsLowest_WaitsHalfTheCeiling_AndAShortIntervalCapsIt()
    {
        _random = 0;
        var schedule = NewSchedule();
        var interval = TimeSpan.FromSeconds(5);
        var waits = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            schedule.TryStartRound("us-east", out _);
            var notBefore = schedule.Failed(Now, interval, retryAfter: null);
            waits.Add((notBefore - Now).TotalSeconds);
            _time.Advance(notBefore - Now);
        }

        Assert.Equal([0.5, 1, 2, 2.5, 2.5], waits);
    }

    [Fact]
    public void Failed_ProviderAsksForFiftyEightDays_WaitsOneHourAtMost()
    {
        var schedule = NewSchedule();
        schedule.TryStartRound("us-east", out _);

        var notBefore = schedule.Failed(Now, Interval, TimeSpan.FromDays(58));

        Assert.Equal(TimeSpan.FromHours(1), notBefore - Now);
        _time.Advance(TimeSpan.FromMinutes(59));
        schedule.RequestForce();
        Assert.False(schedule.TryStartRound("eu-west", out _), "neither a change nor a force cuts a provider's wait short");
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(schedule.TryStartRound("eu-west", out var force));
        Assert.True(force);
    }

    [Fact]
    public void Succeeded_AfterFailures_BackoffStartsOver()
    {
        var schedule = NewSchedule();
        for (var i = 0; i < 4; i++)
        {
            schedule.TryStartRound("us-east", out _);
            _time.Advance(schedule.Failed(Now, Interval, null) - Now);
        }

        schedule.TryStartRound("us-east", out _);
        schedule.Succeeded("us-east", Interval);
        _time.Advance(Interval);
        schedule.TryStartRound("us-east", out _);

        Assert.Equal(1, Math.Round((schedule.Failed(Now, Interval, null) - Now).TotalSeconds));
        Assert.Equal(1, schedule.Failures);
    }

    [Fact]
    public void NextWake_HoldRunningOutBeforeTheNextRound_WakesWhenItFallsDue()
    {
        var schedule = NewSchedule();
        schedule.TryStartRound("us-east", out _);
        schedule.Succeeded("us-east", Interval);

        Assert.Equal(Now + Interval, schedule.NextWake(holdChange: null, settling: false));
        Assert.Equal(Now + TimeSpan.FromSeconds(30), schedule.NextWake(Now + TimeSpan.FromSeconds(30), settling: false));
    }

    [Fact]
    public void NextWake_DuringABackoff_WaitsItOutEvenForAHoldChange()
    {
        var schedule = NewSchedule();
        schedule.TryStartRound("us-east", out _);
        var notBefore = schedule.Failed(Now, Interval, TimeSpan.FromMinutes(10));

        Assert.Equal(notBefore, schedule.NextWake(Now + TimeSpan.FromSeconds(30), settling: false));
    }

    [Fact]
    public void NextWake_ServiceWaitingForItsFirstProbes_LooksAgainWithinTheSettlePoll()
    {
        var schedule = NewSchedule();
        schedule.TryStartRound("waiting", out _);
        schedule.Succeeded("waiting", Interval);

        Assert.Equal(Now + DnsSchedule.SettlePoll, schedule.NextWake(holdChange: null, settling: true));
    }

    [Fact]
    public void LoopFaulted_InARow_BacksOffLikeRounds_AndACompletedTurnStartsOver()
    {
        var schedule = NewSchedule();

        Assert.Equal(1, Math.Round(schedule.LoopFaulted().TotalSeconds));
        Assert.Equal(2, Math.Round(schedule.LoopFaulted().TotalSeconds));
        Assert.Equal(2, schedule.LoopFaults);
        schedule.TurnCompleted();
        Assert.Equal(1, Math.Round(schedule.LoopFaulted().TotalSeconds));
    }
}

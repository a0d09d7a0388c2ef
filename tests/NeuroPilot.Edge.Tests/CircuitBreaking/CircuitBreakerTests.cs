using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.CircuitBreaking;
using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Tests.CircuitBreaking;

public class CircuitBreakerTests
{
    private const int RequiredProbes = 2;

    private static readonly CircuitBreakerOptions Options = new()
    {
        ConsecutiveFailures = 3,
        FailureRatio = 0.5,
        MinimumThroughput = 10,
        SamplingDuration = TimeSpan.FromSeconds(10),
        BreakDuration = TimeSpan.FromSeconds(5),
        MaxBreakDuration = TimeSpan.FromSeconds(60),
        HalfOpenTrials = 2,
    };

    /// <summary>Only the failure ratio can trip it: the consecutive rule is out of reach.</summary>
    private static readonly CircuitBreakerOptions RatioOnly = new()
    {
        ConsecutiveFailures = 1000,
        FailureRatio = 0.5,
        MinimumThroughput = 10,
        SamplingDuration = TimeSpan.FromSeconds(10),
    };

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void NewBreaker_IsClosedAndAdmitsNoTrial()
    {
        var breaker = Create();

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.False(breaker.TryAcquireTrial());
    }

    [Fact]
    public void OnFailure_ConsecutiveFailuresInARow_OpensTheBreaker()
    {
        var breaker = Create();

        breaker.OnFailure("reset");
        breaker.OnFailure("reset");
        Assert.Equal(CircuitState.Closed, breaker.State);

        breaker.OnFailure("reset");
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void OnFailure_SuccessInBetween_StartsTheConsecutiveCountAgain()
    {
        var breaker = Create();

        breaker.OnFailure("reset");
        breaker.OnFailure("reset");
        breaker.OnSuccess();
        breaker.OnFailure("reset");
        breaker.OnFailure("reset");
        Assert.Equal(CircuitState.Closed, breaker.State);

        breaker.OnFailure("reset");
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void OnFailure_FailureRatioReachedOnceMinimumThroughputIsMet_OpensTheBreaker()
    {
        var breaker = Create(RatioOnly);
        Record(breaker, successes: 5, failures: 4);
        Assert.Equal(CircuitState.Closed, breaker.State); // 4 of 9: below the minimum throughput anyway

        breaker.OnFailure("status 503");

        Assert.Equal(CircuitState.Open, breaker.State); // 5 of 10
    }

    [Fact]
    public void OnFailure_EveryAttemptFailedButBelowMinimumThroughput_StaysClosed()
    {
        var breaker = Create(RatioOnly);

        Record(breaker, successes: 0, failures: 9);

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void OnFailure_FailureShareBelowFailureRatio_StaysClosed()
    {
        var breaker = Create(RatioOnly);

        Record(breaker, successes: 11, failures: 10); // 10 of 21 < 50 %

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Theory]
    [InlineData(0, CircuitState.Open)]
    [InlineData(9, CircuitState.Open)]
    [InlineData(10, CircuitState.Closed)]
    [InlineData(30, CircuitState.Closed)]
    public void OnFailure_EarlierAttempts_CountOnlyWhileInsideTheSamplingDuration(int secondsLater, CircuitState expected)
    {
        var breaker = Create(RatioOnly);
        Record(breaker, successes: 4, failures: 5);

        _time.Advance(TimeSpan.FromSeconds(secondsLater));
        breaker.OnFailure("status 503"); // with the earlier nine: 6 of 10 failed

        Assert.Equal(expected, breaker.State);
    }

    [Fact]
    public void Open_GoodProbesBeforeTheBreakIsOver_StaysOpen()
    {
        var breaker = Create();
        Trip(breaker);

        for (var i = 0; i < 5; i++)
        {
            breaker.OnProbe(healthy: true);
        }

        _time.Advance(Options.BreakDuration - TimeSpan.FromMilliseconds(1));
        breaker.Tick();

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.False(breaker.TryAcquireTrial());
    }

    [Fact]
    public void Open_BreakOverWithoutProbes_StaysOpen()
    {
        var breaker = Create();
        Trip(breaker);

        _time.Advance(TimeSpan.FromMinutes(5));
        breaker.Tick();

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void Open_BreakOverAndHealthyThresholdProbesInARow_GoesHalfOpen()
    {
        var breaker = Create();
        Trip(breaker);
        _time.Advance(Options.BreakDuration);

        breaker.OnProbe(healthy: true);
        Assert.Equal(CircuitState.Open, breaker.State);

        breaker.OnProbe(healthy: true);
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
    }

    [Fact]
    public void Open_ProbesVouchedBeforeTheBreakEnded_GoesHalfOpenOnTheTickAfterTheBreak()
    {
        var breaker = Create();
        Trip(breaker);
        breaker.OnProbe(healthy: true);
        breaker.OnProbe(healthy: true);

        _time.Advance(Options.BreakDuration - TimeSpan.FromTicks(1));
        breaker.Tick();
        Assert.Equal(CircuitState.Open, breaker.State);

        _time.Advance(TimeSpan.FromTicks(1));
        breaker.Tick();
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
    }

    [Fact]
    public void Open_FailedProbeInBetween_StartsTheProbeCountAgain()
    {
        var breaker = Create();
        Trip(breaker);
        breaker.OnProbe(healthy: true);
        breaker.OnProbe(healthy: false);
        _time.Advance(Options.BreakDuration);

        breaker.OnProbe(healthy: true);
        Assert.Equal(CircuitState.Open, breaker.State);

        breaker.OnProbe(healthy: true);
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
    }

    [Fact]
    public void Open_ProbesFromBeforeTheTrip_DoNotCount()
    {
        var breaker = Create();
        breaker.OnProbe(healthy: true);
        breaker.OnProbe(healthy: true);
        Trip(breaker);
        _time.Advance(Options.BreakDuration);

        breaker.Tick();

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void HalfOpen_AdmitsExactlyHalfOpenTrials()
    {
        var breaker = Create();
        Trip(breaker);
        ToHalfOpen(breaker);

        Assert.True(breaker.TryAcquireTrial());
        Assert.True(breaker.TryAcquireTrial());
        Assert.False(breaker.TryAcquireTrial());
        Assert.False(breaker.TryAcquireTrial());
    }

    [Fact]
    public void HalfOpen_TrialSucceeds_ClosesTheBreaker()
    {
        var breaker = Create();
        Trip(breaker);
        ToHalfOpen(breaker);
        Assert.True(breaker.TryAcquireTrial());

        breaker.OnSuccess();

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.False(breaker.TryAcquireTrial());
    }

    [Fact]
    public void HalfOpen_NoTrafficButProbesKeepPassing_ClosesTheBreaker()
    {
        // A pod taken out of its Service gets no traffic, so no trial: readiness must not wait on trials forever.
        var breaker = Create();
        Trip(breaker);
        ToHalfOpen(breaker);

        for (var i = 0; i < RequiredProbes - 1; i++)
        {
            breaker.OnProbe(healthy: true);
            Assert.Equal(CircuitState.HalfOpen, breaker.State);
        }

        breaker.OnProbe(healthy: true);

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void HalfOpen_TrialsTakenByRequestsThatNeverReported_ProbesStillCloseTheBreaker()
    {
        // Trials whose clients went away feed the breaker nothing: the permits are gone and only probes can close it.
        var breaker = Create();
        Trip(breaker);
        ToHalfOpen(breaker);
        while (breaker.TryAcquireTrial())
        {
        }

        for (var i = 0; i < RequiredProbes; i++)
        {
            breaker.OnProbe(healthy: true);
        }

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void HalfOpen_AProbeFailsBetweenSuccesses_CountsAgainFromZero()
    {
        var breaker = Create();
        Trip(breaker);
        ToHalfOpen(breaker);

        breaker.OnProbe(healthy: true);
        breaker.OnProbe(healthy: false);
        for (var i = 0; i < RequiredProbes - 1; i++)
        {
            breaker.OnProbe(healthy: true);
        }

        Assert.Equal(CircuitState.HalfOpen, breaker.State);
    }

    [Fact]
    public void HalfOpen_TrialSucceeds_NeedsConsecutiveFailuresAgainToTrip()
    {
        var breaker = Create();
        Trip(breaker);
        ToHalfOpen(breaker);
        breaker.OnSuccess();

        breaker.OnFailure("reset");
        breaker.OnFailure("reset");
        Assert.Equal(CircuitState.Closed, breaker.State);

        breaker.OnFailure("reset");
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void HalfOpen_TrialFails_ReopensForTwiceTheBreakDuration()
    {
        var breaker = Create();
        Trip(breaker);
        ToHalfOpen(breaker);
        Assert.True(breaker.TryAcquireTrial());

        breaker.OnFailure("status 503");

        Assert.Equal(CircuitState.Open, breaker.State);
        AssertOpenFor(breaker, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void HalfOpen_TrialsKeepFailing_BreakDoublesUpToMaxBreakDuration()
    {
        var breaker = Create();
        Trip(breaker);
        var breaks = new List<double> { breaker.BreakDuration.TotalSeconds };

        for (var i = 0; i < 5; i++)
        {
            ToHalfOpen(breaker);
            breaker.OnFailure("status 503");
            breaks.Add(breaker.BreakDuration.TotalSeconds);
        }

        Assert.Equal([5, 10, 20, 40, 60, 60], breaks);
        AssertOpenFor(breaker, Options.MaxBreakDuration);
    }

    [Fact]
    public void Trip_SoonAfterARecovery_DoublesTheBreak()
    {
        var breaker = Create();
        Trip(breaker);
        ToHalfOpen(breaker);
        breaker.OnSuccess();

        _time.Advance(TimeSpan.FromSeconds(1));
        Trip(breaker);

        AssertOpenFor(breaker, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Trip_AfterALongQuietPeriod_StartsAgainAtBreakDuration()
    {
        var breaker = Create();
        Trip(breaker);
        ToHalfOpen(breaker);
        breaker.OnFailure("status 503"); // 10 s
        ToHalfOpen(breaker);
        breaker.OnSuccess();

        _time.Advance(Options.MaxBreakDuration);
        Trip(breaker);

        AssertOpenFor(breaker, Options.BreakDuration);
    }

    [Fact]
    public void OnStall_ClosedBreaker_Opens()
    {
        var breaker = Create();

        breaker.OnStall("2 requests waiting");

        Assert.Equal(CircuitState.Open, breaker.State);
        AssertOpenFor(breaker, Options.BreakDuration);
    }

    [Fact]
    public void OnStall_HalfOpenBreaker_ReopensForTwiceTheBreak()
    {
        var breaker = Create();
        Trip(breaker);
        ToHalfOpen(breaker);

        breaker.OnStall("2 requests waiting");

        Assert.Equal(CircuitState.Open, breaker.State);
        AssertOpenFor(breaker, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Observer_FullCycle_IsToldOncePerTransitionWithFromAndTo()
    {
        var breaker = Create();
        var changes = new List<(CircuitState From, CircuitState To)>();
        breaker.Observer = new Transitions((from, to, _) => changes.Add((from, to)));

        Trip(breaker);
        breaker.OnFailure("reset"); // already open: no event
        breaker.OnStall("still hung"); // already open: no event
        ToHalfOpen(breaker);
        breaker.OnProbe(healthy: true); // half-open: probes change nothing
        breaker.OnFailure("status 503");
        ToHalfOpen(breaker);
        breaker.OnSuccess();
        breaker.OnSuccess(); // already closed: no event

        Assert.Equal(
            [
                (CircuitState.Closed, CircuitState.Open),
                (CircuitState.Open, CircuitState.HalfOpen),
                (CircuitState.HalfOpen, CircuitState.Open),
                (CircuitState.Open, CircuitState.HalfOpen),
                (CircuitState.HalfOpen, CircuitState.Closed),
            ],
            changes);
    }

    [Fact]
    public void Observer_Trip_IsToldTheReason()
    {
        var breaker = Create();
        string? reason = null;
        breaker.Observer = new Transitions((_, _, why) => reason = why);

        Trip(breaker);

        Assert.NotNull(reason);
        Assert.Contains("3 consecutive failures", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Reconfigure_OpenBreaker_StaysOpenAndUsesTheNewProbeThreshold()
    {
        var breaker = Create();
        Trip(breaker);

        breaker.Reconfigure(new CircuitBreakerOptions { SamplingDuration = TimeSpan.FromSeconds(30), BreakDuration = TimeSpan.FromSeconds(5) }, requiredProbeSuccesses: 1);
        Assert.Equal(CircuitState.Open, breaker.State);

        _time.Advance(Options.BreakDuration);
        breaker.OnProbe(healthy: true);
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
    }

    [Fact]
    public void Reconfigure_ClosedBreaker_KeepsTheConsecutiveFailures()
    {
        var breaker = Create();
        breaker.OnFailure("reset");
        breaker.OnFailure("reset");

        breaker.Reconfigure(new CircuitBreakerOptions { ConsecutiveFailures = 3, BreakDuration = Options.BreakDuration }, RequiredProbes);
        Assert.Equal(CircuitState.Closed, breaker.State);

        breaker.OnFailure("reset");
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void Reconfigure_HalfOpenBreaker_KeepsItsTrials()
    {
        var breaker = Create();
        Trip(breaker);
        ToHalfOpen(breaker);
        Assert.True(breaker.TryAcquireTrial());

        breaker.Reconfigure(Options, RequiredProbes);

        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.True(breaker.TryAcquireTrial());
        Assert.False(breaker.TryAcquireTrial());
    }

    [Fact]
    public void Reset_OpenBreaker_ClosesAtOnce()
    {
        var breaker = Create();
        Trip(breaker);

        breaker.Reset();

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    private CircuitBreaker Create(CircuitBreakerOptions? options = null) => new(options ?? Options, RequiredProbes, _time);

    private static void Record(CircuitBreaker breaker, int successes, int failures)
    {
        for (var i = 0; i < successes; i++)
        {
            breaker.OnSuccess();
        }

        for (var i = 0; i < failures; i++)
        {
            breaker.OnFailure("status 503");
        }
    }

    private static void Trip(CircuitBreaker breaker)
    {
        for (var i = 0; i < breaker.Options.ConsecutiveFailures; i++)
        {
            breaker.OnFailure("reset");
        }

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    /// <summary>Lets the current break pass and the probes vouch: the breaker goes half-open.</summary>
    private void ToHalfOpen(CircuitBreaker breaker)
    {
        _time.Advance(breaker.BreakDuration);
        for (var i = 0; i < RequiredProbes; i++)
        {
            breaker.OnProbe(healthy: true);
        }

        Assert.Equal(CircuitState.HalfOpen, breaker.State);
    }

    /// <summary>With probes vouching from the start, the breaker stays open for exactly <paramref name="duration"/>.</summary>
    private void AssertOpenFor(CircuitBreaker breaker, TimeSpan duration)
    {
        for (var i = 0; i < RequiredProbes; i++)
        {
            breaker.OnProbe(healthy: true);
        }

        _time.Advance(duration - TimeSpan.FromTicks(1));
        breaker.Tick();
        Assert.Equal(CircuitState.Open, breaker.State);

        _time.Advance(TimeSpan.FromTicks(1));
        breaker.Tick();
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
    }

    /// <summary>An observer that hands each transition to a callback.</summary>
    private sealed class Transitions(Action<CircuitState, CircuitState, string> told) : ICircuitBreakerObserver
    {
        public void OnBreakerChanged(CircuitState from, CircuitState to, string reason) => told(from, to, reason);
    }
}

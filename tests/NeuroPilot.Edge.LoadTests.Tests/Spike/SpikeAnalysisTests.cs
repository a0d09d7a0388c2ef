using System.Diagnostics;
using HdrHistogram;
using NeuroPilot.Edge.LoadTests.OpenModel;
using NeuroPilot.Edge.LoadTests.Spike;

namespace NeuroPilot.Edge.LoadTests.Tests.Spike;

public class SpikeAnalysisTests
{
    private static readonly long s_second = Stopwatch.Frequency;
    private static readonly long s_windowStart = 1000 * Stopwatch.Frequency;

    [Theory]
    [InlineData(200, 0, "Ok")]
    [InlineData(204, -1, "Ok")]
    [InlineData(429, -1, "Shed429")]
    [InlineData(503, -1, "Shed503")]
    [InlineData(503, 0, "Failed")]
    [InlineData(429, 0, "Failed")]
    [InlineData(502, -1, "Failed")]
    [InlineData(404, 0, "Failed")]
    public void Classify_ByStatusAndRetryAfter_ShedOnlyWith429Or503AndTheHeader(int status, int tag, string expected)
    {
        Assert.Equal(expected, SpikeAnalysis.Classify(new TracedOutcome(0, 1, 2, status, tag, null)).ToString());
    }

    [Fact]
    public void Classify_NoResponse_IsFailed()
    {
        Assert.Equal(SpikeOutcome.Failed, SpikeAnalysis.Classify(new TracedOutcome(0, 1, 2, 0, 0, FailureKind.Timeout)));
    }

    [Fact]
    public void Analyze_BaselineSpikeAfter_CountsEachPhaseFromTheSchedule()
    {
        var result = Result();
        var outcomes = Outcomes(result, (phase, i) => phase switch
        {
            // In the spike: half shed 503, a tenth shed 429, a tenth 503 without Retry-After (failed), a tenth timed out.
            "spike" when i % 2 == 0 => (503, -1, 1, null),
            "spike" when i % 10 == 1 => (429, -1, 1, null),
            "spike" when i % 10 == 3 => (503, 0, 2, null),
            "spike" when i % 10 == 5 => (0, 0, 2000, FailureKind.Timeout),
            "spike" => (200, 0, 2, null),
            _ => (200, 0, 1, null),
        });

        var spike = SpikeAnalysis.Analyze(result, outcomes, [], [], recoveryThresholdMs: 5);

        Assert.Equal(["baseline", "spike", "after"], spike.Phases.Select(p => p.Name));
        var (baseline, burst, after) = (spike.Phases[0], spike.Phases[1], spike.Phases[2]);
        Assert.Equal((100L, 100L, 0L, 0L, 0L), (baseline.Scheduled, baseline.Ok, baseline.Shed429, baseline.Shed503, baseline.Failed));
        Assert.Equal((1000L, 200L, 100L, 500L, 200L), (burst.Scheduled, burst.Ok, burst.Shed429, burst.Shed503, burst.Failed));
        Assert.Equal(1000, burst.OfferedRate, 3);
        // Goodput goes by arrival: the spike's last 2xx arrives 2 ms after its intended start, after the spike ended.
        Assert.Equal(199, burst.Goodput, 3);
        Assert.Equal(101, after.Goodput, 3);
        Assert.Equal(0.5, burst.Shed503Share, 6);
        Assert.Equal(0.1, burst.Shed429Share, 6);
        Assert.Equal(0.2, burst.FailedShare, 6);
        Assert.Equal(100, after.Ok);
        Assert.Equal(1000, burst.AchievedRate, 3);

        // Admitted: the 200 OK, the 100 failed 503 and the 100 timeouts (2 s): p99 is a timeout's.
        Assert.Equal(400, burst.Admitted.Count);
        Assert.InRange(burst.Admitted.P99!.Value, 1990, 2010);
        Assert.InRange(baseline.Admitted.P99!.Value, 0.99, 1.01);
        Assert.Equal(burst.Admitted.P99, spike.P99AdmittedMs);
        Assert.Equal(200.0 / 1200, spike.FailedShare, 6);
        Assert.Equal(0, spike.ShedBaselineShare);
        Assert.Equal(TimeSpan.FromSeconds(2), spike.SpikeEnd);
    }

    [Fact]
    public void Analyze_SlowFirstQuarterSecondAfterTheSpike_RecoversAfter250Milliseconds()
    {
        var result = Result();
        var afterStart = s_windowStart + 2 * s_second;
        var outcomes = Outcomes(result, (phase, i) => phase == "spike" && i % 2 == 0 ? (503, -1, 1, null) : (200, 0, 1, null));
        outcomes = [.. outcomes.Select(o => o.Intended >= afterStart && o.Intended < afterStart + s_second / 4 ? o with { EndedAt = o.Intended + s_second / 20 } : o)];

        var spike = SpikeAnalysis.Analyze(result, outcomes, [], [], recoveryThresholdMs: 5);

        Assert.Equal(250, spike.RecoveryTimeMs);
        Assert.Equal(12, spike.Windows.Count);
        Assert.All(spike.Windows.Where(w => w.Phase == "spike"), w => Assert.Equal(125, w.Shed503));
        Assert.Equal(50, spike.Windows[8].AdmittedP99Ms!.Value, 0);
    }

    [Fact]
    public void Analyze_SpikeServedLate_CountsItsGoodputAndSendsWhenTheyHappened()
    {
        var result = Result();
        var afterStart = s_windowStart + 2 * s_second;

        // Every spike request waits in the harness until the spike is over, then goes out and is answered at once.
        var outcomes = Outcomes(result, (_, _) => (200, 0, 1, null))
            .Select(o => o.Intended >= s_windowStart + s_second && o.Intended < afterStart ? o with { SentAt = afterStart, EndedAt = afterStart + 1 } : o)
            .ToList();

        var spike = SpikeAnalysis.Analyze(result, outcomes, [], [], recoveryThresholdMs: 5);

        var (burst, after) = (spike.Phases[1], spike.Phases[2]);
        Assert.Equal((0.0, 0.0), (burst.AchievedRate, burst.Goodput));
        Assert.Equal((1100.0, 1100.0), (after.AchievedRate, after.Goodput));
        // Late: all but the last, which was intended 1 ms before the end, the late threshold itself.
        Assert.Equal(999, burst.Late);
        Assert.Equal(1000, burst.Ok);
        Assert.InRange(burst.SendLagP99Ms!.Value, 990, 1000);
    }

    [Fact]
    public void Analyze_ShedUntilTheLastWindow_HasNotRecovered()
    {
        var result = Result();
        var outcomes = Outcomes(result, (phase, i) => phase != "baseline" && i % 2 == 0 ? (503, -1, 1, null) : (200, 0, 1, null));

        var spike = SpikeAnalysis.Analyze(result, outcomes, [], [], recoveryThresholdMs: 5);

        Assert.Null(spike.RecoveryTimeMs);
    }

    [Fact]
    public void Analyze_RequestsMissingFromTheTrace_CountAsFailedInTheirPhase()
    {
        var result = Result();
        var outcomes = Outcomes(result, (_, _) => (200, 0, 1, null)).Where(o => o.Intended < s_windowStart + 2 * s_second + s_second / 2).ToList();

        var spike = SpikeAnalysis.Analyze(result, outcomes, [], [], recoveryThresholdMs: 5);

        Assert.Equal((100L, 50L), (spike.Phases[2].Scheduled, spike.Phases[2].Failed));
    }

    [Fact]
    public void Analyze_ResourceSamples_GivePeakRssAndCpuPerPhase()
    {
        var result = Result();
        ResourceSample[] samples =
        [
            new(s_windowStart - s_second / 2, 20 << 20, 20 << 20, 1.0),
            new(s_windowStart + s_second / 2, 21 << 20, 21 << 20, 1.1),
            new(s_windowStart + 3 * s_second / 2, 40 << 20, 40 << 20, 1.9),
            new(s_windowStart + 5 * s_second / 2, 30 << 20, 40 << 20, 2.3),
            new(s_windowStart + 7 * s_second / 2, 30 << 20, 40 << 20, 2.4),
        ];
        IReadOnlyDictionary<string, double>?[] scrapes =
        [
            new Dictionary<string, double>(), new Dictionary<string, double> { ["over_capacity"] = 0 },
            new Dictionary<string, double> { ["over_capacity"] = 480, ["rate_limited"] = 90 }, new Dictionary<string, double> { ["over_capacity"] = 500, ["rate_limited"] = 100 },
        ];

        var spike = SpikeAnalysis.Analyze(result, Outcomes(result, (_, _) => (200, 0, 1, null)), samples, scrapes, recoveryThresholdMs: 5);

        Assert.Equal([21L << 20, 40L << 20, 30L << 20], spike.Phases.Select(p => p.RssPeakBytes!.Value));
        Assert.Equal(40L << 20, spike.RssPeakBytes);
        Assert.Equal(20L << 20, spike.RssIdleBytes);
        Assert.Equal(40L << 20, spike.RssBudgetBytes);

        // Interpolated at the phase edges: 1.05 at 0 s, 1.5 at 1 s, 2.1 at 2 s, 2.35 at 3 s.
        Assert.Equal([0.45, 0.6, 0.25], spike.Phases.Select(p => Math.Round(p.CpuSeconds!.Value, 2)));
        Assert.Equal(480, spike.Phases[1].EdgeShed!["over_capacity"]);
        Assert.Equal(10, spike.Phases[2].EdgeShed!["rate_limited"]);
        Assert.Equal(new Dictionary<string, double> { ["over_capacity"] = 500, ["rate_limited"] = 100 }, spike.EdgeShedTotal);
    }

    [Fact]
    public void RecoveryTime_NoUnhealthyWindowAfterTheSpike_IsZero()
    {
        Assert.Equal(0, SpikeAnalysis.RecoveryTime([Window(0, p99: 1), Window(1, p99: 2)], TimeSpan.Zero, 5));
    }

    [Fact]
    public void RecoveryTime_HealthyOnlyToTheEndOfTheRun_IsWhenThatLastStreakBegan()
    {
        SpikeWindow[] windows = [Window(0, p99: 80), Window(1, p99: 1), Window(2, p99: 1, failed: 1), Window(3, p99: 1), Window(4, p99: 1)];

        Assert.Equal(750, SpikeAnalysis.RecoveryTime(windows, TimeSpan.Zero, 5));
    }

    [Fact]
    public void RecoveryTime_BlipAfterASecondOfHealthyWindows_DoesNotMoveIt()
    {
        SpikeWindow[] windows = [Window(0, p99: 80), Window(1, p99: 1), Window(2, p99: 1), Window(3, p99: 1), Window(4, p99: 1), Window(5, p99: 90), Window(6, p99: 1)];

        Assert.Equal(250, SpikeAnalysis.RecoveryTime(windows, TimeSpan.Zero, 5));
    }

    [Fact]
    public void RecoveryTime_LastWindowUnhealthy_IsNever()
    {
        Assert.Null(SpikeAnalysis.RecoveryTime([Window(0, p99: 1), Window(1, p99: 1), Window(2, p99: 80)], TimeSpan.Zero, 5));
    }

    private static SpikeWindow Window(int index, double p99, long failed = 0) => new()
    {
        Phase = "after",
        Start = TimeSpan.FromMilliseconds(250 * index),
        Length = TimeSpan.FromMilliseconds(250),
        Ok = 10,
        Failed = failed,
        AdmittedP99Ms = p99,
    };

    /// <summary>A finished run of baseline 100/s, spike 1,000/s and after 100/s, one second each, no warm-up.</summary>
    private static RunResult Result()
    {
        var profile = new LoadProfile
        {
            Rate = 400,
            Duration = TimeSpan.FromSeconds(3),
            Phases = [new RatePhase("baseline", 100, TimeSpan.FromSeconds(1)), new RatePhase("spike", 1000, TimeSpan.FromSeconds(1)), new RatePhase("after", 100, TimeSpan.FromSeconds(1))],
        };
        return new RunResult
        {
            Profile = profile,
            StartedAt = DateTimeOffset.UnixEpoch,
            WindowStart = s_windowStart,
            Latency = new LongHistogram(1, 60_000_000, 3),
            UncorrectedLatency = new LongHistogram(1, 60_000_000, 3),
            SendLag = new LongHistogram(1, 60_000_000, 3),
            Failures = new Dictionary<FailureKind, long>(),
            StatusCodes = new Dictionary<int, long>(),
            Seconds = [],
            Markers = [],
            FirstErrors = new Dictionary<FailureKind, string>(),
        };
    }

    /// <summary>One outcome per scheduled request: status, tag, latency in ms, failure from <paramref name="shape"/>(phase, index in the phase).</summary>
    private static List<TracedOutcome> Outcomes(RunResult result, Func<string, long, (int Status, int Tag, double Ms, FailureKind? Failure)> shape)
    {
        var schedule = result.Schedule();
        var outcomes = new List<TracedOutcome>();
        for (long i = 0; i < schedule.Count; i++)
        {
            var (phase, index) = i < 100 ? ("baseline", i) : i < 1100 ? ("spike", i - 100) : ("after", i - 1100);
            var (status, tag, ms, failure) = shape(phase, index);
            var intended = schedule.IntendedAt(i);
            outcomes.Add(new TracedOutcome(intended, intended + 1, intended + (long)(ms / 1000 * s_second), status, tag, failure));
        }

        return outcomes;
    }
}

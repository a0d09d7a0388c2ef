using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Health.Internal;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Tests.TestKit;

namespace NeuroPilot.Edge.Tests.Health.Internal;

/// <summary>
/// The one scheduler behind every probe target, driven by a fake clock, with a stand-in probe that records which
/// target it probed: due probes start in time order, with jitter, at once when asked, never after a stop, and a
/// probe over its timeout fails; however many targets, the scheduler arms one timer.
/// </summary>
public sealed class ProbeSchedulerTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private static readonly HealthCheckOptions Options = ProbeTestOptions.Standard;

    private readonly FakeTimeProvider _time = new();
    private readonly ProbeScheduler _scheduler;
    private readonly ConcurrentQueue<string> _started = new();
    private readonly ConcurrentQueue<ProbeResult> _results = new();

    public ProbeSchedulerTests()
    {
        _scheduler = new ProbeScheduler(_time);
    }

    public void Dispose() => _scheduler.Dispose();

    [Fact]
    public void Schedule_TargetsDueAtDifferentTimes_StartInTimeOrder()
    {
        var (a, b, c) = (Target("a"), Target("b"), Target("c"));
        _scheduler.Schedule(c, TimeSpan.FromMilliseconds(300));
        _scheduler.Schedule(a, TimeSpan.FromMilliseconds(100));
        _scheduler.Schedule(b, TimeSpan.FromMilliseconds(200));

        Advance(TimeSpan.FromMilliseconds(400));

        Assert.Equal(["a", "b", "c"], _started);
    }

    [Fact]
    public void Schedule_TargetsDueWithinOneCheck_StartInTimeOrderInOneBatch()
    {
        var (a, b, c) = (Target("a"), Target("b"), Target("c"));
        _scheduler.Schedule(c, TimeSpan.FromMilliseconds(30));
        _scheduler.Schedule(a, TimeSpan.FromMilliseconds(10));
        _scheduler.Schedule(b, TimeSpan.FromMilliseconds(20));

        _time.Advance(ProbeScheduler.Resolution);

        Assert.Equal(["a", "b", "c"], _started);
    }

    [Fact]
    public void Start_ManyTargets_ProbesSpreadOverTheirIntervalsNotInLockstep()
    {
        const int Targets = 200;
        for (var i = 0; i < Targets; i++)
        {
            Target($"t{i}").Start();
        }

        // First probes: a random phase within the fast interval (1 s).
        Advance(TimeSpan.FromMilliseconds(500));
        Assert.InRange(_started.Count, Targets / 5, Targets * 4 / 5);
        Advance(TimeSpan.FromMilliseconds(550));
        Assert.Equal(Targets, _started.Count);

        // Next ones: the interval (10 s) times [0.85, 1.15): none before 8.5 s, all by 12.5 s, spread in between.
        Advance(TimeSpan.FromSeconds(7.4));
        Assert.Equal(Targets, _started.Count);
        Advance(TimeSpan.FromSeconds(1.55));
        Assert.InRange(_started.Count, Targets + 1, (2 * Targets) - 1);
        Advance(TimeSpan.FromSeconds(3.2));
        Assert.Equal(2 * Targets, _started.Count);
    }

    [Fact]
    public async Task ProbeNow_BetweenProbes_ProbesAtOnceWithoutTheClockMoving()
    {
        var target = Target("a");
        target.Start();
        Advance(Options.FastInterval + ProbeScheduler.Resolution);
        Assert.Single(_started);

        target.ProbeNow();

        await Eventually.WaitUntilAsync(() => _started.Count == 2, Deadline, "a second probe without the fake clock moving");
    }

    [Fact]
    public async Task ProbeNow_WhileAProbeRuns_ProbesAgainRightAfterIt()
    {
        var answer = new TaskCompletionSource<ProbeResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var target = Target("a", _ => _started.Count == 1 ? answer.Task : Task.FromResult(new ProbeResult(true, TimeSpan.Zero, "HTTP 200")));
        target.Start();
        Advance(Options.FastInterval + ProbeScheduler.Resolution);
        Assert.Single(_started);

        target.ProbeNow();
        await Task.Yield();
        Assert.Single(_started);
        answer.SetResult(new ProbeResult(true, TimeSpan.Zero, "HTTP 200"));

        await Eventually.WaitUntilAsync(() => _started.Count == 2, Deadline, "a second probe right after the first");
    }

    [Fact]
    public async Task Probe_OverItsTimeout_FailsAsTimedOut()
    {
        var probe = CancellationToken.None;
        var target = Target("a", cancel =>
        {
            probe = cancel;
            return HangAsync(cancel);
        });
        target.Start();
        AdvanceUntil(() => _started.Count == 1);

        Advance(Options.Timeout - (2 * ProbeScheduler.Resolution));
        Assert.False(probe.IsCancellationRequested);
        Assert.Empty(_results);

        Advance(2 * ProbeScheduler.Resolution);

        await Eventually.WaitUntilAsync(() => !_results.IsEmpty, Deadline, "the probe's result");
        var result = Assert.Single(_results);
        Assert.False(result.Healthy);
        Assert.Equal("timed out after 2 s", result.Detail);
    }

    [Fact]
    public void Dispose_StoppedTarget_IsNeverProbedAgain()
    {
        var target = Target("a");
        target.Start();
        AdvanceUntil(() => _started.Count == 1);

        target.Dispose();
        target.ProbeNow();
        Advance(TimeSpan.FromSeconds(30));

        Assert.Single(_started);
        Assert.True(target.StopAsync().IsCompleted);
    }

    [Fact]
    public async Task StopAsync_WhileAProbeRuns_DropsItsResultAndCompletesWhenItEnds()
    {
        var target = Target("a", cancel => HangAsync(cancel));
        target.Start();
        AdvanceUntil(() => _started.Count == 1);

        await target.StopAsync().WaitAsync(Deadline);
        Advance(TimeSpan.FromSeconds(30));

        Assert.Single(_started);
        Assert.Empty(_results);
    }

    [Fact]
    public void Start_TenThousandTargets_OneTimerProbesThemAll()
    {
        const int Targets = 10_000;
        for (var i = 0; i < Targets; i++)
        {
            Target($"t{i}").Start();
        }

        Assert.Equal(1, _scheduler.ArmedTimers);
        Advance(Options.FastInterval + ProbeScheduler.Resolution);

        Assert.Equal(Targets, _started.Count);
        Assert.Equal(Targets, _results.Count);
        Assert.Equal(1, _scheduler.ArmedTimers);
    }

    private static async Task<ProbeResult> HangAsync(CancellationToken cancel)
    {
        await Task.Delay(Timeout.Infinite, cancel);
        return new ProbeResult(true, TimeSpan.Zero, "never");
    }

    [Fact]
    public void Snapshot_AfterAFailedThenAGoodProbe_IsTheLastResultWithTheTrackerAfterIt()
    {
        var results = new Queue<ProbeResult>([new(false, TimeSpan.FromMilliseconds(3), "connection refused"), new(true, TimeSpan.FromMilliseconds(2), "HTTP 200")]);
        var target = Target("a", _ => Task.FromResult(results.Dequeue()));
        Assert.Null(target.Snapshot());

        target.Start();
        AdvanceUntil(() => results.Count == 1);
        var first = target.Snapshot();
        target.ProbeNow();
        AdvanceUntil(() => results.Count == 0);
        var second = target.Snapshot();

        Assert.Equal(new ProbeSnapshot(true, new ProbeResult(false, TimeSpan.FromMilliseconds(3), "connection refused"), first!.At, 1, 0), first);
        Assert.Equal(new ProbeSnapshot(true, new ProbeResult(true, TimeSpan.FromMilliseconds(2), "HTTP 200"), second!.At, 0, 1), second);
        Assert.True(second.At >= first.At && second.At <= _time.GetUtcNow());
    }

    [Fact]
    public void Capacity_AfterAConfigWithFewerTargets_ShrinksToWhatIsLeft()
    {
        var targets = Enumerable.Range(0, 20_000).Select(i => Target($"t{i}")).ToList();
        foreach (var target in targets)
        {
            target.Start();
        }

        Assert.True(_scheduler.Capacity >= 20_000, $"capacity {_scheduler.Capacity}");

        // A reload keeps 2,000 of them; the due times of the stopped ones pass once.
        foreach (var target in targets.Skip(2_000))
        {
            target.Dispose();
        }

        Advance(TimeSpan.FromSeconds(2));

        Assert.InRange(_scheduler.Pending, 1_000, 2_000);
        Assert.InRange(_scheduler.Capacity, ProbeScheduler.MinCapacity, 2 * 2_000);
    }

    [Fact]
    public void Capacity_FewTargets_KeepsTheSmallestDueList()
    {
        var targets = Enumerable.Range(0, 3_000).Select(i => Target($"t{i}")).ToList();
        foreach (var target in targets)
        {
            target.Start();
        }

        foreach (var target in targets)
        {
            target.Dispose();
        }

        Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(0, _scheduler.Pending);
        Assert.Equal(ProbeScheduler.MinCapacity, _scheduler.Capacity);
    }

    private ProbeTarget Target(string key, Func<CancellationToken, Task<ProbeResult>>? probe = null) =>
        new(key, new Uri("http://127.0.0.1:9"), Options, _scheduler, (_, _, result, _) => _results.Enqueue(result), startHealthy: true,
            (target, cancel) =>
            {
                _started.Enqueue(target.Key);
                return probe?.Invoke(cancel) ?? Task.FromResult(new ProbeResult(true, TimeSpan.Zero, "HTTP 200"));
            });

    /// <summary>Moves the fake clock one scheduler check at a time.</summary>
    private void Advance(TimeSpan by)
    {
        for (var left = by; left > TimeSpan.Zero; left -= ProbeScheduler.Resolution)
        {
            _time.Advance(left < ProbeScheduler.Resolution ? left : ProbeScheduler.Resolution);
        }
    }

    private void AdvanceUntil(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            _time.Advance(ProbeScheduler.Resolution);
        }

        Assert.True(condition());
    }
}

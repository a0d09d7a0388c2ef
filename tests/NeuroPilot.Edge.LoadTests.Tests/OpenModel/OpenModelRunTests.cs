using System.Diagnostics;
using NeuroPilot.Edge.LoadTests.OpenModel;
using NeuroPilot.Edge.LoadTests.Tests.TestKit;

namespace NeuroPilot.Edge.LoadTests.Tests.OpenModel;

public class OpenModelRunTests
{
    [Fact]
    public async Task Run_ShortConstantRate_SendsRateTimesDurationSpreadOverTheRun()
    {
        await using var server = await LoopbackServer.StartAsync();
        var profile = new LoadProfile { Rate = 1000, Duration = TimeSpan.FromSeconds(2), Warmup = TimeSpan.FromMilliseconds(500) };
        var clock = Stopwatch.StartNew();

        var result = await Load.RunAsync(server.Url("/"), profile, connections: 16);

        clock.Stop();
        Assert.InRange(result.Sent, 1960, 2040);
        Assert.InRange(result.RateAchieved, 980, 1020);
        Assert.Equal(2000, result.Scheduled);
        Assert.Equal(result.Scheduled, result.Succeeded);

        // On the schedule, not in bursts: most sends left within a few milliseconds of their intended times, and the
        // run took its time.
        Assert.True(LatencySummary.From(result.SendLag).P50 < 5, $"send lag p50 {LatencySummary.From(result.SendLag).P50} ms");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2.2), $"the run took only {clock.Elapsed}");

        // The warm-up is sent but left out of the results.
        Assert.True(server.Requests >= 2000 + 490, $"{server.Requests} requests reached the server");
    }

    [Fact]
    public async Task Run_TargetStallsForOneSecond_CorrectedP99ShowsTheStallAndUncorrectedDoesNot()
    {
        await using var server = await LoopbackServer.StartAsync();
        var profile = new LoadProfile { Rate = 400, Duration = TimeSpan.FromSeconds(3), Timeout = TimeSpan.FromSeconds(5) };

        // About one second in, every response waits one second (like a kill -STOP'ed upstream).
        server.StallAfter(requests: 400, TimeSpan.FromSeconds(1));
        var result = await Load.RunAsync(server.Url("/"), profile, connections: 4);

        var corrected = result.LatencySummary;
        var uncorrected = LatencySummary.From(result.UncorrectedLatency);
        Assert.Equal(result.Scheduled, result.Succeeded);
        Assert.True(corrected.P99 >= 800, $"corrected p99 {corrected.P99} ms");

        // What a closed-loop tool measures (from the actual send) hides the stall: only the 4 requests caught on
        // the wire saw it, the ~400 scheduled during it waited for a connection, unseen.
        Assert.True(uncorrected.P99 < 200, $"uncorrected p99 {uncorrected.P99} ms");
        Assert.True(result.LateNoConnection >= 300, $"{result.LateNoConnection} sends waited for a connection");
        Assert.True(result.Seconds[1].P99Ms >= 500, $"second 1 p99 {result.Seconds[1].P99Ms} ms");
    }

    [Fact]
    public async Task Run_TargetNeverAnswers_EveryRequestFailsAndTheRunEndsAfterTheGrace()
    {
        await using var server = await LoopbackServer.StartAsync();
        var profile = new LoadProfile
        {
            Rate = 50,
            Duration = TimeSpan.FromSeconds(1),
            Timeout = TimeSpan.FromMilliseconds(300),
            Grace = TimeSpan.FromMilliseconds(500),
        };
        var clock = Stopwatch.StartNew();

        var result = await Load.RunAsync(server.Url("/hang"), profile, connections: 8);

        clock.Stop();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the run took {clock.Elapsed}");
        Assert.Equal(0, result.Succeeded);
        Assert.Equal(result.Scheduled, result.Failed);
        Assert.True(result.FailuresOf(FailureKind.Timeout) >= 40, $"{result.FailuresOf(FailureKind.Timeout)} timeouts");

        // Abandoned requests count in the latency at the time they were abandoned: a hung target does not look fast.
        Assert.True(result.LatencySummary.P50 >= 290, $"p50 {result.LatencySummary.P50} ms");
    }

    [Fact]
    public async Task Run_TargetGoesAwayMidRun_CountsConnectionFailuresAndKeepsTheSchedule()
    {
        var server = await LoopbackServer.StartAsync();
        var profile = new LoadProfile { Rate = 200, Duration = TimeSpan.FromSeconds(2) };
        Task? stopping = null;

        var result = await Load.RunAsync(server.Url("/"), profile, connections: 4, run =>
            stopping = Task.Run(async () =>
            {
                for (var i = 0; i < 300 && run.Elapsed < TimeSpan.FromSeconds(1); i++)
                {
                    await Task.Delay(10);
                }

                await server.DisposeAsync();
                run.Mark("upstream stopped");
            }));
        await stopping!;

        Assert.Equal(400, result.Scheduled);
        Assert.InRange(result.Succeeded, 150, 250);
        Assert.True(result.FailuresOf(FailureKind.Connect) + result.FailuresOf(FailureKind.Transport) >= 150, $"{result.Failed} failed");
        Assert.Equal(result.Scheduled, result.Succeeded + result.Failed);
        Assert.Equal(result.Scheduled, result.Seconds.Sum(s => s.Scheduled));
    }

    [Fact]
    public async Task Run_TargetClosesEveryConnection_ReconnectsAndEveryRequestSucceeds()
    {
        await using var server = await LoopbackServer.StartAsync();
        var profile = new LoadProfile { Rate = 200, Duration = TimeSpan.FromSeconds(1) };

        var result = await Load.RunAsync(server.Url("/close"), profile, connections: 4);

        Assert.Equal(200, result.Scheduled);
        Assert.Equal(200, result.Succeeded);
    }

    [Fact]
    public async Task Run_ChunkedResponses_AreReadToTheEnd()
    {
        await using var server = await LoopbackServer.StartAsync();
        var profile = new LoadProfile { Rate = 200, Duration = TimeSpan.FromSeconds(1) };

        var result = await Load.RunAsync(server.Url("/chunked"), profile, connections: 4);

        Assert.Equal(200, result.Succeeded);
        Assert.Equal(0, result.FailuresOf(FailureKind.Transport));
    }

    [Fact]
    public async Task Mark_DuringARun_IsRecordedAtItsTime()
    {
        await using var server = await LoopbackServer.StartAsync();
        var profile = new LoadProfile { Rate = 100, Duration = TimeSpan.FromSeconds(1) };
        Task? marking = null;

        var result = await Load.RunAsync(server.Url("/"), profile, connections: 4, run =>
            marking = Task.Run(async () =>
            {
                for (var i = 0; i < 300 && run.Elapsed < TimeSpan.FromMilliseconds(500); i++)
                {
                    await Task.Delay(10);
                }

                run.Mark("fault injected");
            }));
        await marking!;

        var marker = Assert.Single(result.Markers);
        Assert.Equal("fault injected", marker.Label);
        Assert.InRange(marker.At.TotalMilliseconds, 490, 800);
    }

    [Fact]
    public async Task Run_WithPhases_OffersEachPhasesRateDuringItsSeconds()
    {
        await using var server = await LoopbackServer.StartAsync();
        var profile = new LoadProfile
        {
            Rate = 200,
            Duration = TimeSpan.FromSeconds(3),
            Phases = [new RatePhase("baseline", 100, TimeSpan.FromSeconds(1)), new RatePhase("spike", 400, TimeSpan.FromSeconds(1)), new RatePhase("after", 100, TimeSpan.FromSeconds(1))],
        };

        var result = await Load.RunAsync(server.Url("/"), profile, connections: 16);

        Assert.Equal([100L, 400L, 100L], result.Seconds.Select(s => s.Scheduled));
        Assert.Equal(600, result.Scheduled);
        Assert.Equal(result.Scheduled, result.Succeeded);
    }
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using NeuroPilot.Edge.Hosting;
using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Tests.Routing;

/// <summary>The one reload worker: triggers that arrive during a slow read merge into one more round, in order.</summary>
public sealed class ConfigReloaderTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task RequestAsync_TwentyOneTriggersDuringASlowRead_MergeIntoOneMoreRound()
    {
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var rounds = new ConcurrentQueue<string>();
        var threads = new ConcurrentDictionary<int, bool>();
        ReloadResult Reload(string trigger)
        {
            rounds.Enqueue(trigger);
            threads[Environment.CurrentManagedThreadId] = true;
            if (rounds.Count == 1)
            {
                entered.Set();
                release.Wait(Deadline);
                return ReloadResult.Unchanged;
            }

            return ReloadResult.Applied;
        }

        using var reloader = new ConfigReloader(Reload, notifier: null, NullLogger.Instance);
        reloader.Start();

        var first = reloader.RequestAsync("admin API");
        Assert.True(entered.Wait(Deadline), "the first round never started");
        var during = new List<Task<ReloadResult>>();
        for (var i = 0; i < 20; i++)
        {
            during.Add(reloader.RequestAsync("SIGHUP"));
        }

        during.Add(reloader.RequestAsync("file change"));
        Assert.DoesNotContain(during, t => t.IsCompleted);
        release.Set();

        Assert.Equal(ReloadResult.Unchanged, await first.WaitAsync(Deadline));
        Assert.All(await Task.WhenAll(during).WaitAsync(Deadline), r => Assert.Equal(ReloadResult.Applied, r));
        Assert.Equal(["admin API", "SIGHUP, file change"], rounds);
        Assert.Single(threads);
    }

    [Fact]
    public async Task RequestAsync_ReloadThrows_AnswersRejectedAndTheNextRoundStillRuns()
    {
        var calls = 0;
        ReloadResult Reload(string trigger) => Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("boom") : ReloadResult.Applied;
        using var reloader = new ConfigReloader(Reload, notifier: null, NullLogger.Instance);
        reloader.Start();

        Assert.Equal(ReloadResult.Rejected, await reloader.RequestAsync("SIGHUP").WaitAsync(Deadline));
        Assert.Equal(ReloadResult.Applied, await reloader.RequestAsync("SIGHUP").WaitAsync(Deadline));
    }
}

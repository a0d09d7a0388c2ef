using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns;
using NeuroPilot.Edge.Forwarding;
using NeuroPilot.Edge.Hosting;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;
using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Dns;

/// <summary>
/// The reconcile loop against a scripted provider on a <see cref="FakeTimeProvider"/>: whatever the provider does
/// (a 58-day <c>Retry-After</c>, an exception of a type it should never throw, a call that ignores cancellation) and
/// whatever breaks in the loop itself, the pusher backs off, status tells the current truth, the loop lives on (or is
/// restarted), and a stop completes.
/// </summary>
public sealed class DnsReconcilerTests(ITestOutputHelper output) : IDisposable
{
    private const string UsEast = "198.51.100.10";

    /// <summary>Two regions, one A record on Cloudflare, no hold times: also the fleet tests' config (<see cref="DnsReconcilerFleetTests"/>).</summary>
    internal static readonly string Json = """
        {
          "Services": {
            "api": {
              "Regions": [
                { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001"] },
                { "Name": "eu-west", "Destinations": ["http://127.0.0.1:9002"] }
              ],
              "HealthCheck": { "Interval": "1s", "Timeout": "500ms" }
            }
          },
          "Dns": {
            "Provider": "cloudflare", "OwnerId": "edge-fleet-1", "Interval": "5s", "DownHoldTime": "0s", "UpHoldTime": "0s",
            "Records": [ { "Name": "api.example.com", "Type": "A", "Ttl": 60, "Service": "api",
                           "Regions": { "us-east": ["198.51.100.10"], "eu-west": ["198.51.100.20"] } } ],
            "Cloudflare": { "ZoneId": "zone-1" }
          }
        }
        """;

    private readonly FakeTimeProvider _fake = new(new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero));
    private readonly EdgeMetrics _metrics = new(EdgeMetrics.CreateRegistry());
    private readonly CapturingLogger<DnsReconciler> _log = new();
    private DnsReconciler? _reconciler;

    private readonly InMemoryDnsProvider _provider = new();

    public void Dispose() => _reconciler?.Dispose();

    [Fact]
    public async Task Round_ProviderAsksForA58DayWait_WaitIsCappedAtOneHour_LoopLivesOn_StopCompletes()
    {
        _provider.ReadFailure = () => new DnsProviderException("cloudflare", DnsProviderError.RateLimited, "HTTP 429", "10429", TimeSpan.FromSeconds(5_000_000));
        var reconciler = Start();

        await DriveUntilAsync(() => _provider.Reads.Count == 1 && reconciler.Status.State == DnsPusherState.Failing, "the first round to meet the 429");
        var limitedAt = _provider.Reads[0];
        var status = reconciler.Status;
        output.WriteLine($"after a 429 asking for 5,000,000 s: next attempt not before {status.NextAttemptNotBefore:u} ({(status.NextAttemptNotBefore - limitedAt)?.TotalSeconds:0} s later)");
        Assert.Equal((DnsRoundResult.RateLimited, "10429: HTTP 429"), (status.LastResult, status.LastError));
        Assert.NotNull(status.NextAttemptNotBefore);
        // The wait counts from the failure, which comes after the read was stamped; the driver moves the clock
        // meanwhile, so the upper bound is an hour from now (no earlier than the failure), not from the read.
        Assert.InRange(status.NextAttemptNotBefore.Value, limitedAt + TimeSpan.FromMinutes(59), _fake.GetUtcNow() + TimeSpan.FromHours(1));

        _provider.ReadFailure = null;
        await DriveUntilAsync(() => reconciler.Status.State == DnsPusherState.Ok, "a round after the capped wait, the provider answering again", step: TimeSpan.FromMinutes(1), maxFake: TimeSpan.FromHours(2));
        Assert.InRange(_provider.Reads[1] - limitedAt, TimeSpan.FromHours(1), TimeSpan.FromHours(1) + TimeSpan.FromMinutes(2));
        Assert.Equal([UsEast], _provider.Values("api.example.com"));
        Assert.Null(reconciler.Status.LastError);

        await StopAsync(reconciler);
    }

    [Fact]
    public async Task Round_ProviderThrowsAnUnexpectedException_BacksOffCountsItAndStatusShowsTheCurrentError()
    {
        // Failing from the very first read: a first round that won the race against this assignment would succeed, and
        // the backoff below would then start one failure later than the gaps asserted (a flaky test).
        _provider.ReadFailure = () => new DnsProviderException("cloudflare", DnsProviderError.Unavailable, "an older error");
        var reconciler = Start();
        await DriveUntilAsync(() => reconciler.Status.LastError == "an older error", "the first failed round");

        // What a parser of the provider's answer throws when it should have said DnsProviderException.
        _provider.ReadFailure = () => new InvalidOperationException("Unexpected end of the answer at offset 12");
        // Rounds run one after another: the 7th read starts only once the 5th failing round has been counted and logged.
        await DriveUntilAsync(() => _provider.Reads.Count >= 7, "five finished rounds with the unexpected exception", step: TimeSpan.FromMilliseconds(250));
        var status = reconciler.Status;
        var gaps = _provider.Reads.Zip(_provider.Reads.Skip(1), (a, b) => b - a).ToList();
        output.WriteLine($"status: {status.State}, {status.LastResult}: {status.LastError}; gaps between rounds: {string.Join(", ", gaps.Select(g => $"{g.TotalSeconds:0.##} s"))}");
        output.WriteLine(_log.All);

        Assert.Equal(DnsPusherState.Failing, status.State);
        Assert.Equal(DnsRoundResult.Error, status.LastResult);
        Assert.Contains("InvalidOperationException: Unexpected end of the answer at offset 12", status.LastError, StringComparison.Ordinal);
        Assert.True(_metrics.DnsPushes.WithLabels("cloudflare", "error").Value >= 5, "every such round is counted as result=\"error\"");

        // Backoff, not a 1 s loop: the ceilings double (1, 2, 4, 8 s...), each wait at least half its ceiling.
        for (var i = 1; i < gaps.Count; i++)
        {
            var ceiling = TimeSpan.FromSeconds(Math.Min(Math.Pow(2, i), 5));
            Assert.True(gaps[i] >= ceiling / 2, $"round {i + 2} came {gaps[i].TotalSeconds:0.##} s after the one before; the backoff asks at least {(ceiling / 2).TotalSeconds:0.##} s");
        }

        // One line per distinct error, no stack trace (that goes to Debug, once).
        var line = Assert.Single(_log.Lines, l => l.Level >= LogLevel.Information && l.Text.Contains("Unexpected end of the answer", StringComparison.Ordinal));
        Assert.DoesNotContain('\n', line.Text);
        Assert.Single(_log.Lines, l => l.Level == LogLevel.Debug && l.Text.Contains("Unexpected end of the answer", StringComparison.Ordinal));

        _provider.ReadFailure = null;
        await DriveUntilAsync(() => reconciler.Status.State == DnsPusherState.Ok, "the provider to recover", step: TimeSpan.FromMilliseconds(250));
        Assert.Null(reconciler.Status.LastError);
        Assert.Equal([UsEast], _provider.Values("api.example.com"));
        await StopAsync(reconciler);
    }

    [Fact]
    public async Task Loop_FaultsOutsideARound_IsLoggedInOneLineCountedAndRestartedAfterABackoff()
    {
        var time = new TimerFailingTime(_fake);
        var reconciler = Start(time);
        await DriveUntilAsync(() => reconciler.Status.State == DnsPusherState.Ok, "a first good round");
        var readsBefore = _provider.Reads.Count;

        // The loop's next wait cannot get a timer: the loop itself faults, outside any provider call.
        time.FailNextTimers(1);
        await DriveUntilAsync(() => _provider.Reads.Count > readsBefore, "a round after the loop's fault", step: TimeSpan.FromMilliseconds(250), maxFake: TimeSpan.FromMinutes(5));
        var metrics = await MetricsTextAsync();
        output.WriteLine(_log.All);

        Assert.Equal(1, PrometheusText.Sum(metrics, "neuropilot_edge_dns_loop_restarts_total"));
        var fault = Assert.Single(_log.Lines, l => l.Level >= LogLevel.Information && l.Text.Contains("timer refused by the test", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Error, fault.Level);
        Assert.DoesNotContain('\n', fault.Text);
        Assert.Equal(DnsPusherState.Ok, reconciler.Status.State);
        await StopAsync(reconciler);
    }

    [Fact]
    public async Task StopAsync_ProviderCallIgnoresCancellation_ReturnsWithoutThrowingWhenTheHostStopsWaiting()
    {
        var hung = new TaskCompletionSource<IReadOnlyList<DnsRecordSet>>(TaskCreationOptions.RunContinuationsAsynchronously);
        _provider.ReadHang = hung.Task;
        var reconciler = Start();
        await DriveUntilAsync(() => _provider.Reads.Count == 1, "the read that never returns");

        using var hostGivesUp = new CancellationTokenSource();
        await hostGivesUp.CancelAsync();
        var stop = reconciler.StopAsync(hostGivesUp.Token);
        var clock = Stopwatch.StartNew();
        await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(10)));

        Assert.True(stop.IsCompleted, "StopAsync returns once the host stops waiting");
        await stop;
        output.WriteLine($"StopAsync returned {clock.ElapsedMilliseconds} ms after the host's token was cancelled");
        hung.SetResult([]);
    }

    private DnsReconciler Start(TimeProvider? time = null)
    {
        time ??= _fake;
        _provider.Clock = _fake;
        var config = ConfigLoader.Load(Json);
        var runtime = new EdgeRuntime(null, config, Json, new RoutingTableBuilder(_metrics, new UpstreamClients(), time).Build, EdgeConfigChecks.All, _metrics, time, NullLogger<EdgeRuntime>.Instance);
        _reconciler = new DnsReconciler(runtime, null, _metrics, time, _log, _ => _provider);
        _reconciler.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        return _reconciler;
    }

    private async Task StopAsync(DnsReconciler reconciler)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var stop = reconciler.StopAsync(deadline.Token);
        await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.True(stop.IsCompletedSuccessfully, $"StopAsync completes cleanly ({stop.Status}{(stop.Exception is { } e ? ": " + e.InnerException?.GetType().Name + ": " + e.InnerException?.Message : "")})");
    }

    /// <summary>Moves the fake clock on by <paramref name="step"/> until <paramref name="condition"/> holds; fails past <paramref name="maxFake"/> of fake time or 20 s of real time.</summary>
    private async Task DriveUntilAsync(Func<bool> condition, string what, TimeSpan? step = null, TimeSpan? maxFake = null)
    {
        var started = _fake.GetUtcNow();
        var real = Stopwatch.StartNew();
        while (!condition())
        {
            var fakeElapsed = _fake.GetUtcNow() - started;
            Assert.True(real.Elapsed < TimeSpan.FromSeconds(20) && fakeElapsed < (maxFake ?? TimeSpan.FromMinutes(10)),
                $"timed out after {fakeElapsed.TotalSeconds:0.#} s of fake time waiting until {what}; status {_reconciler?.Status.State} {_reconciler?.Status.LastResult}: {_reconciler?.Status.LastError}; log:\n{_log.All}");
            _fake.Advance(step ?? TimeSpan.FromMilliseconds(100));
            await Task.Delay(2);
        }
    }

    private async Task<string> MetricsTextAsync()
    {
        using var stream = new MemoryStream();
        await _metrics.Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The fake clock, except that the next timers asked for cannot be made: a fault in the loop itself.</summary>
    private sealed class TimerFailingTime(FakeTimeProvider inner) : TimeProvider
    {
        private int _toFail;

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

        public void FailNextTimers(int count) => Volatile.Write(ref _toFail, count);

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp() => inner.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            Interlocked.Decrement(ref _toFail) >= 0
                ? throw new InvalidOperationException("timer refused by the test")
                : inner.CreateTimer(callback, state, dueTime, period);
    }
}

using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns;

namespace NeuroPilot.Edge.Tests.Dns;

/// <summary>
/// One round at a time against an in-memory zone on a <see cref="FakeTimeProvider"/>: hold-down both ways, the
/// never-empty rule, the change cap, twin edges of one owner id, the start-up and restart hold-backs, failures.
/// </summary>
public class DnsRoundTests
{
    private const string Owner = "edge-fleet-1";
    private const string Api = "api.example.com";
    private const string UsEast = "198.51.100.10";
    private const string EuWest = "198.51.100.20";

    private static readonly TimeSpan DownHold = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan UpHold = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan SettleAfter = TimeSpan.FromSeconds(5);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero));
    private readonly InMemoryDnsProvider _zone = new();

    private static DnsOptions Options(int records = 1, bool dryRun = false) => new()
    {
        Provider = DnsProviderKind.Cloudflare,
        OwnerId = Owner,
        DownHoldTime = DownHold,
        UpHoldTime = UpHold,
        DryRun = dryRun,
        Records = [.. Enumerable.Range(0, records).Select(i => new DnsRecordOptions
        {
            Name = i == 0 ? Api : $"api{i}.example.com",
            Ttl = 60,
            Service = "api",
            Regions = [("us-east", [UsEast]), ("eu-west", [EuWest])],
        })],
    };

    private static IReadOnlyList<DnsServiceHealth> Health(bool usEast, bool euWest = true, bool probesSettled = true) =>
        [new DnsServiceHealth("api", [new DnsRegionHealth("us-east", usEast), new DnsRegionHealth("eu-west", euWest)], probesSettled, SettleAfter)];

    private static async Task<DnsRoundOutcome> RunAsync(DnsRound round, DnsOptions options, IReadOnlyList<DnsServiceHealth> health, InMemoryDnsProvider zone, bool force = false) =>
        await round.RunAsync(options, health, round.Desire(options, health), zone, force, CancellationToken.None);

    private Task<DnsRoundOutcome> RunAsync(DnsRound round, DnsOptions options, IReadOnlyList<DnsServiceHealth> health, bool force = false) =>
        RunAsync(round, options, health, _zone, force);

    private void Advance(double seconds) => _time.Advance(TimeSpan.FromSeconds(seconds));

    /// <summary>From the start of a hold (the last round): one second before it runs out the zone still holds <paramref name="before"/>, then <paramref name="after"/>.</summary>
    private async Task AssertHeldUntilTheHoldRunsOutAsync(DnsRound round, DnsOptions options, IReadOnlyList<DnsServiceHealth> health, TimeSpan hold, string before, string after)
    {
        Advance(hold.TotalSeconds - 1);
        Assert.Equal(DnsRoundResult.Unchanged, (await RunAsync(round, options, health)).Result);
        Assert.Equal([before], _zone.Values(Api));

        Advance(1);
        Assert.Equal(DnsRoundResult.Success, (await RunAsync(round, options, health)).Result);
        Assert.Equal([after], _zone.Values(Api));
    }

    [Fact]
    public async Task RunAsync_FreeName_PublishesTheFirstUsableRegion()
    {
        var outcome = await RunAsync(new DnsRound(_time), Options(), Health(usEast: true));

        Assert.Equal(DnsRoundResult.Success, outcome.Result);
        Assert.Equal([UsEast], _zone.Values(Api));
        Assert.Equal([DnsOwnership.MarkerValue(Owner)], _zone.Values(DnsOwnership.MarkerName(Api, DnsRecordType.A), DnsRecordType.TXT));
    }

    [Fact]
    public async Task RunAsync_RegionDownShorterThanTheDownHold_StaysPublished_ThenLeavesWhenTheHoldRunsOut()
    {
        var round = new DnsRound(_time);
        var options = Options();
        await RunAsync(round, options, Health(usEast: true));

        Advance(1);
        Assert.Equal(DnsRoundResult.Unchanged, (await RunAsync(round, options, Health(usEast: false))).Result);
        Advance(10);
        await RunAsync(round, options, Health(usEast: true)); // a flap: the down hold starts over
        Advance(1);
        await RunAsync(round, options, Health(usEast: false));

        await AssertHeldUntilTheHoldRunsOutAsync(round, options, Health(usEast: false), DownHold, before: UsEast, after: EuWest);
    }

    [Fact]
    public async Task RunAsync_RegionBackUpShorterThanTheUpHold_StaysOut_ThenReturnsWhenTheHoldRunsOut()
    {
        var round = new DnsRound(_time);
        var options = Options();
        await RunAsync(round, options, Health(usEast: false));
        Assert.Equal([EuWest], _zone.Values(Api));

        Advance(1);
        await RunAsync(round, options, Health(usEast: true));

        await AssertHeldUntilTheHoldRunsOutAsync(round, options, Health(usEast: true), UpHold, before: EuWest, after: UsEast);
    }

    [Fact]
    public async Task RunAsync_EveryRegionDown_NeverPublishesAnEmptyAnswer()
    {
        var round = new DnsRound(_time);
        var options = Options();
        await RunAsync(round, options, Health(usEast: true));

        Advance(1);
        await RunAsync(round, options, Health(usEast: false, euWest: false));
        Advance(DownHold.TotalSeconds);
        var outcome = await RunAsync(round, options, Health(usEast: false, euWest: false));

        Assert.Equal(DnsRoundResult.Unchanged, outcome.Result);
        Assert.Equal([$"{Api} A"], outcome.Desire.NeverEmpty());
        Assert.Equal(DnsRecordOutcome.Held, Assert.Single(outcome.Plan!.Records).Outcome);
        Assert.Equal([UsEast], _zone.Values(Api));
    }

    [Fact]
    public async Task RunAsync_PlanReplacingMoreThanMaxChangeShare_IsBlocked_UntilForced()
    {
        var round = new DnsRound(_time);
        var options = Options(records: DnsDefaults.MinRecordsForChangeCap);
        await RunAsync(round, options, Health(usEast: true));
        var written = _zone.Written.Count;

        Advance(1);
        await RunAsync(round, options, Health(usEast: false));
        Advance(DownHold.TotalSeconds);
        var blocked = await RunAsync(round, options, Health(usEast: false));

        Assert.Equal(DnsRoundResult.Blocked, blocked.Result);
        Assert.NotNull(blocked.Plan!.OverChangeCap);
        Assert.Equal(written, _zone.Written.Count);
        Assert.Equal([UsEast], _zone.Values(Api));

        var forced = await RunAsync(round, options, Health(usEast: false), force: true);
        Assert.Equal(DnsRoundResult.Success, forced.Result);
        Assert.Equal([EuWest], _zone.Values(Api));
    }

    [Fact]
    public async Task RunAsync_DryRun_ChangesNothing()
    {
        var outcome = await RunAsync(new DnsRound(_time), Options(dryRun: true), Health(usEast: true));

        Assert.Equal(DnsRoundResult.DryRun, outcome.Result);
        Assert.Empty(_zone.Written);
    }

    [Fact]
    public async Task RunAsync_TwinEdgesOfOneOwnerIdSeeingChangesAtDifferentTimes_ConvergeWithoutFlapping()
    {
        var options = Options();
        var edgeA = new DnsRound(_time);
        var edgeB = new DnsRound(_time);
        var writesByB = 0;

        // us-east is down from 1 s to 100 s as edge A sees it, from 11 s to 110 s as edge B sees it.
        for (var second = 0; second <= 400; second++)
        {
            await RunAsync(edgeA, options, Health(usEast: second is < 1 or >= 100));
            var b = await RunAsync(edgeB, options, Health(usEast: second is < 11 or >= 110));
            writesByB += b.Result == DnsRoundResult.Success ? 1 : 0;
            Assert.True(b.Succeeded && b.Result != DnsRoundResult.Blocked, $"edge B at {second} s: {b.Result}");
            Advance(1);
        }

        Assert.Equal([UsEast, EuWest, UsEast], _zone.Written.Select(s => string.Join(",", s.Values)));
        Assert.Equal(0, writesByB);
        Assert.Equal([UsEast], _zone.Values(Api));
    }

    [Fact]
    public async Task RunAsync_RestartDuringTheUpHold_HoldsTheRegionBackForTheWholeUpHold()
    {
        // The process before the restart had moved the record to eu-west; us-east is up again now.
        _zone.Seed(new DnsRecordSet(Api, DnsRecordType.A, 60, [EuWest]), Owner);
        var round = new DnsRound(_time);
        var options = Options();

        Assert.Equal(DnsRoundResult.Unchanged, (await RunAsync(round, options, Health(usEast: true))).Result);

        await AssertHeldUntilTheHoldRunsOutAsync(round, options, Health(usEast: true), UpHold, before: EuWest, after: UsEast);
    }

    [Fact]
    public async Task RunAsync_ProbesNotSettledAtStartUp_PublishesNothingUntilTheySettleOrSettleAfterPasses()
    {
        var round = new DnsRound(_time);
        var options = Options();

        var waiting = await RunAsync(round, options, Health(usEast: false, probesSettled: false));
        Assert.Equal(DnsRecordOutcome.Held, Assert.Single(waiting.Plan!.Records).Outcome);
        Assert.Empty(_zone.Written);
        Assert.True(round.IsSettling(options));

        _time.Advance(SettleAfter);
        await RunAsync(round, options, Health(usEast: true, probesSettled: false));
        Assert.False(round.IsSettling(options));
        Assert.Equal([UsEast], _zone.Values(Api));
    }

    [Fact]
    public async Task RunAsync_ProviderRateLimitsForFiftyEightDays_FailsWithTheWaitCappedAtOneHour()
    {
        _zone.ReadFailure = () => new DnsProviderException("cloudflare", DnsProviderError.RateLimited, "HTTP 429", "10429", TimeSpan.FromDays(58));

        var outcome = await RunAsync(new DnsRound(_time), Options(), Health(usEast: true));

        Assert.Equal((DnsRoundResult.RateLimited, "10429: HTTP 429"), (outcome.Result, outcome.Error));
        Assert.Equal(TimeSpan.FromHours(1), outcome.RetryAfter);
        Assert.Null(outcome.Plan);
    }

    [Fact]
    public async Task RunAsync_ProviderThrowsAnUnexpectedException_IsAFailedRoundWithResultError()
    {
        _zone.ReadFailure = () => new InvalidOperationException("Unexpected end of the answer");

        var outcome = await RunAsync(new DnsRound(_time), Options(), Health(usEast: true));

        Assert.Equal(DnsRoundResult.Error, outcome.Result);
        Assert.Equal("unexpected InvalidOperationException: Unexpected end of the answer", outcome.Error);
        Assert.IsType<InvalidOperationException>(outcome.Unexpected);
    }
}

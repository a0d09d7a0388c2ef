using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns;
using NeuroPilot.Edge.Dns.Cloudflare;
using NeuroPilot.Edge.Tests.TestKit.Dns;

namespace NeuroPilot.Edge.Tests.Dns.Cloudflare;

/// <summary>
/// The Cloudflare provider against the test kit's Cloudflare API v4 emulator on loopback. The provider and the
/// emulator share one <see cref="FakeTimeProvider"/>: request timeouts, backoff, <c>Retry-After</c>, both budgets and
/// injected latency all run on it.
/// </summary>
public sealed class CloudflareProviderTests : IAsyncLifetime
{
    private const string Batch = $"POST {CloudflareEmulator.BatchRoute}";
    private const string List = $"GET {CloudflareEmulator.RecordsRoute}";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly CapturingLogger<CloudflareProvider> _log = new();
    private readonly List<IDisposable> _providers = [];
    private CloudflareEmulator _cf = null!;

    public async Task InitializeAsync() => _cf = await StartEmulatorAsync();

    public async Task DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            provider.Dispose();
        }

        await _cf.DisposeAsync();
    }

    [Fact]
    public async Task Read_GroupsRecordsIntoSetsByNameAndType_IgnoringOtherNamesAndTypes_InOneRequest()
    {
        _cf.Seed("api.example.com", "A", "198.51.100.20", ttl: 300);
        _cf.Seed("api.example.com", "A", "198.51.100.10", ttl: 120);
        _cf.Seed("api.example.com", "AAAA", "2001:DB8:0:0:0:0:0:1");
        _cf.Seed("api.example.com", "TXT", "\"heritage=neuropilot-edge,owner=fleet-1\"", ttl: 60);
        _cf.Seed("api.example.com", "MX", "mail.example.com");
        _cf.Seed("www.example.com", "CNAME", "API.example.com.");
        _cf.Seed("other.example.com", "A", "203.0.113.7");
        var provider = Create();

        var sets = await provider.ReadAsync(["API.example.com.", "www.example.com", "absent.example.com"], default);

        Assert.Equal(
            [
                "api.example.com 120 A [198.51.100.10, 198.51.100.20]",
                "api.example.com 1 AAAA [2001:db8::1]",
                "api.example.com 60 TXT [heritage=neuropilot-edge,owner=fleet-1]",
                "www.example.com 1 CNAME [api.example.com]",
            ],
            sets.Select(s => s.ToString()));
        var request = Assert.Single(_cf.Requests);
        Assert.Equal(("GET", "?per_page=5000&page=1"), (request.Method, request.Query));
        Assert.Equal(1, provider.RequestsSent);
    }

    [Fact]
    public async Task Read_ZoneLargerThanOnePage_FollowsTotalPages()
    {
        for (var i = 0; i < 11; i++)
        {
            _cf.Seed($"host{i}.example.com", "A", $"198.51.100.{i + 1}");
        }

        _cf.Seed("api.example.com", "A", "198.51.100.99");
        var provider = Create(perPage: 5);

        var sets = await provider.ReadAsync(["api.example.com", "host0.example.com"], default);

        Assert.Equal(["api.example.com 1 A [198.51.100.99]", "host0.example.com 1 A [198.51.100.1]"], sets.Select(s => s.ToString()));
        Assert.Equal(["?per_page=5&page=1", "?per_page=5&page=2", "?per_page=5&page=3"], _cf.Requests.Select(r => r.Query));
    }

    [Fact]
    public async Task Apply_CreateUpdateAndDelete_OneBatchRequestLeavesTheZoneAsPlanned()
    {
        var kept = _cf.Seed("api.example.com", "A", "198.51.100.20", ttl: 60);
        _cf.Seed("api.example.com", "A", "198.51.100.10", ttl: 60);
        _cf.Seed("old.example.com", "A", "198.51.100.30", ttl: 60);
        var foreign = _cf.Seed("foreign.example.com", "A", "203.0.113.7", comment: "someone else's");
        var provider = Create();
        var sets = await provider.ReadAsync(["api.example.com", "old.example.com", "new.example.com"], default);
        var api = sets.Single(s => s.Name == "api.example.com");
        var old = sets.Single(s => s.Name == "old.example.com");

        var result = await provider.ApplyAsync(
            [
                new DnsChange(api, Set("api.example.com", 60, "198.51.100.20", "198.51.100.40")),
                new DnsChange(old, null),
                new DnsChange(null, Set("new.example.com", 300, "198.51.100.50")),
            ],
            default);

        Assert.Equal(new DnsApplyResult(1, null), result);
        Assert.Equal(new Dictionary<string, int> { [List] = 1, [Batch] = 1 }, _cf.RequestCounts);
        Assert.Equal(
            [
                "api.example.com A 198.51.100.20 ttl=60",
                "foreign.example.com A 203.0.113.7 ttl=1",
                "api.example.com A 198.51.100.40 ttl=60",
                "new.example.com A 198.51.100.50 ttl=300",
            ],
            Zone());
        Assert.Equal(kept.Id, _cf.Records[0].Id);
        Assert.Equal(foreign, _cf.Records[1]);
        Assert.Equal(2, provider.RequestsSent);
        Assert.Contains(_log.Lines, l => l.Id.Id == 5102 && l.Text.Contains("3 changes (2 deletes, 0 patches, 2 posts) in 1 requests, batch", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Apply_OnlyTheTtlChanges_PatchesTheKeptRecordsInPlace()
    {
        var first = _cf.Seed("api.example.com", "A", "198.51.100.10", ttl: 60);
        var second = _cf.Seed("api.example.com", "A", "198.51.100.20", ttl: 60);
        var provider = Create();
        var api = Assert.Single(await provider.ReadAsync(["api.example.com"], default));

        await provider.ApplyAsync([new DnsChange(api, Set("api.example.com", 300, "198.51.100.10", "198.51.100.20"))], default);

        Assert.Equal([(first.Id, 300), (second.Id, 300)], _cf.Records.Select(r => (r.Id, r.Ttl)));
        Assert.Equal(1, _cf.RequestCounts[Batch]);
    }

    [Fact]
    public async Task Apply_BeforeIsNotWhatTheLastReadSaw_ThrowsStateChangedAndSendsNothing()
    {
        _cf.Seed("api.example.com", "A", "198.51.100.10", ttl: 60);
        var provider = Create();
        var api = Assert.Single(await provider.ReadAsync(["api.example.com"], default));
        var after = Set("api.example.com", 60, "198.51.100.30");

        var stale = await Assert.ThrowsAsync<DnsProviderException>(() =>
            provider.ApplyAsync([new DnsChange(Set("api.example.com", 60, "198.51.100.10", "198.51.100.20"), after)], default));
        var createOverExisting = await Assert.ThrowsAsync<DnsProviderException>(() =>
            provider.ApplyAsync([new DnsChange(null, after)], default));
        var notRead = await Assert.ThrowsAsync<DnsProviderException>(() =>
            provider.ApplyAsync([new DnsChange(null, Set("unread.example.com", 60, "198.51.100.40"))], default));

        Assert.All([stale, createOverExisting, notRead], e => Assert.Equal((DnsProviderError.StateChanged, "cloudflare"), (e.Kind, e.Provider)));
        Assert.Contains("198.51.100.20", stale.Message, StringComparison.Ordinal);
        Assert.Single(_cf.Requests);

        // The read still holds: the right plan goes through, and after it the same names need a new read.
        await provider.ApplyAsync([new DnsChange(api, after)], default);
        var again = await Assert.ThrowsAsync<DnsProviderException>(() => provider.ApplyAsync([new DnsChange(after, null)], default));
        Assert.Equal(DnsProviderError.StateChanged, again.Kind);
        Assert.Equal(2, _cf.Requests.Count);
    }

    [Fact]
    public async Task Apply_RecordDeletedBehindOurBack_TheBatchFailsWhole_NothingApplied()
    {
        _cf.Seed("api.example.com", "A", "198.51.100.10", ttl: 60);
        var gone = _cf.Seed("api.example.com", "A", "198.51.100.20", ttl: 60);
        var provider = Create();
        var api = Assert.Single(await provider.ReadAsync(["api.example.com", "new.example.com"], default));
        using (var someoneElse = _cf.CreateClient())
        using (var deleted = await someoneElse.DeleteAsync($"zones/{_cf.ZoneId}/dns_records/{gone.Id}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        var before = _cf.Records;
        var e = await Assert.ThrowsAsync<DnsProviderException>(() => provider.ApplyAsync(
            [
                new DnsChange(null, Set("new.example.com", 60, "198.51.100.50")),
                new DnsChange(api, Set("api.example.com", 60, "198.51.100.30")),
            ],
            default));

        Assert.Equal((DnsProviderError.StateChanged, "81044"), (e.Kind, e.Code));
        Assert.Contains("HTTP 404", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, _cf.Records);
        Assert.Equal(1, _cf.RequestCounts[Batch]);
    }

    [Fact]
    public async Task Apply_TwoBadGateways_RetriedWithBackoffThenApplied()
    {
        var provider = Create();
        var none = await provider.ReadAsync(["api.example.com"], default);
        Assert.Empty(none);
        _cf.FailNext(2, HttpStatusCode.BadGateway);

        var result = await DriveAsync(provider.ApplyAsync([new DnsChange(null, Set("api.example.com", 60, "198.51.100.10"))], default));

        Assert.Equal(3, result.Requests);
        Assert.Equal([502, 502, 200], _cf.Requests.Where(r => r.Key == Batch).Select(r => r.StatusCode));
        Assert.Equal(["api.example.com A 198.51.100.10 ttl=60"], Zone());
        Assert.Equal(2, _log.Lines.Count(l => l.Id.Id == 5103));
    }

    [Fact]
    public async Task Apply_BatchTimesOutWithoutAnAnswer_IsRetriedAndApplied()
    {
        var provider = Create();
        await provider.ReadAsync(["api.example.com"], default);

        // Far beyond what the loop below can advance: the first attempt must never be answered, even when the
        // emulator is slow to see the client abort on a loaded machine (30 s once let it through and apply).
        _cf.Latency = TimeSpan.FromHours(1);

        var apply = provider.ApplyAsync([new DnsChange(null, Set("api.example.com", 60, "198.51.100.10"))], default);
        var deadline = Stopwatch.StartNew();
        while (!_log.Lines.Any(l => l.Id.Id == 5103))
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), "the first attempt did not time out");
            _time.Advance(TimeSpan.FromMilliseconds(500));
            await Task.WhenAny(apply, Task.Delay(TimeSpan.FromMilliseconds(5)));
        }

        _cf.Latency = TimeSpan.Zero;
        var result = await DriveAsync(apply);

        Assert.Equal(2, result.Requests);
        Assert.Contains("timed out after 10 s", _log.Lines.Single(l => l.Id.Id == 5103).Text, StringComparison.Ordinal);
        Assert.Equal(["api.example.com A 198.51.100.10 ttl=60"], Zone());
    }

    [Fact]
    public async Task NonJsonAnswerBelow500_ReadIsRetried_WriteIsNotSinceItMayHaveApplied()
    {
        var provider = Create();
        _cf.FailNext(1, HttpStatusCode.BadRequest);
        Assert.Empty(await DriveAsync(provider.ReadAsync(["api.example.com"], default)));
        Assert.Equal([400, 200], _cf.Requests.Select(r => r.StatusCode));

        _cf.FailNext(1, HttpStatusCode.BadRequest);
        var e = await Assert.ThrowsAsync<DnsProviderException>(() =>
            DriveAsync(provider.ApplyAsync([new DnsChange(null, Set("api.example.com", 60, "198.51.100.10"))], default)));

        Assert.Equal(DnsProviderError.Unavailable, e.Kind);
        Assert.Equal(1, _cf.RequestCounts[Batch]);
    }

    [Fact]
    public async Task Read_BadGatewayEveryTime_ThrowsUnavailableAfterThreeAttempts()
    {
        var provider = Create();
        _cf.FailNext(10, HttpStatusCode.BadGateway);

        var e = await Assert.ThrowsAsync<DnsProviderException>(() => DriveAsync(provider.ReadAsync(["api.example.com"], default)));

        Assert.Equal(DnsProviderError.Unavailable, e.Kind);
        Assert.Contains("HTTP 502", e.Message, StringComparison.Ordinal);
        Assert.Contains("text/html", e.Message, StringComparison.Ordinal);
        Assert.Equal(CloudflareProvider.MaxAttempts, _cf.Requests.Count);
    }

    [Fact]
    public async Task Apply_RejectedByCloudflare_IsNotRetriedAndNamesTheError()
    {
        var provider = Create();
        await provider.ReadAsync(["api.example.com"], default);

        var e = await Assert.ThrowsAsync<DnsProviderException>(() =>
            provider.ApplyAsync([new DnsChange(null, Set("api.example.com", 30, "198.51.100.10"))], default));

        Assert.Equal((DnsProviderError.Rejected, "9021"), (e.Kind, e.Code));
        Assert.Contains($"POST /client/v4/zones/{_cf.ZoneId}/dns_records/batch", e.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 400, error 9021: TTL must be between 60 and 86400", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, _cf.RequestCounts[Batch]);
        Assert.Empty(_cf.Records);
    }

    [Fact]
    public async Task Read_EveryAttemptTimesOut_ThrowsUnavailableAfterThreeAttempts()
    {
        var provider = Create();
        _cf.Latency = TimeSpan.FromHours(1);

        var e = await Assert.ThrowsAsync<DnsProviderException>(() => DriveAsync(provider.ReadAsync(["api.example.com"], default)));

        Assert.Equal(DnsProviderError.Unavailable, e.Kind);
        Assert.Contains("timed out after 10 s", e.Message, StringComparison.Ordinal);
        Assert.Equal(CloudflareProvider.MaxAttempts, provider.RequestsSent);
    }

    [Fact]
    public async Task RateLimited_429_ThrowsWithRetryAfterFromTheHeader_AndSendsNothingUntilItHasPassed()
    {
        await using var cf = await StartEmulatorAsync(new CloudflareEmulatorOptions { RequestBudget = 2 });
        var provider = Create(cf);
        await provider.ReadAsync(["api.example.com"], default);
        await provider.ReadAsync(["api.example.com"], default);

        var limited = await Assert.ThrowsAsync<DnsProviderException>(() => provider.ReadAsync(["api.example.com"], default));

        Assert.Equal((DnsProviderError.RateLimited, "10429", TimeSpan.FromMinutes(5)), (limited.Kind, limited.Code, limited.RetryAfter));
        Assert.Equal(3, cf.Requests.Count);

        _time.Advance(TimeSpan.FromSeconds(299));
        var heldBack = await Assert.ThrowsAsync<DnsProviderException>(() => provider.ReadAsync(["api.example.com"], default));
        Assert.Equal((DnsProviderError.RateLimited, TimeSpan.FromSeconds(1)), (heldBack.Kind, heldBack.RetryAfter));
        var applyHeldBack = await Assert.ThrowsAsync<DnsProviderException>(() =>
            provider.ApplyAsync([new DnsChange(null, Set("api.example.com", 60, "198.51.100.10"))], default));
        Assert.Equal(DnsProviderError.RateLimited, applyHeldBack.Kind);
        Assert.Equal(3, cf.Requests.Count);
        Assert.Equal(3, provider.RequestsSent);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(await provider.ReadAsync(["api.example.com"], default));
        Assert.Equal([200, 200, 429, 200], cf.Requests.Select(r => r.StatusCode));
    }

    [Fact]
    public async Task Budget_Spent_ThrowsRateLimitedWithoutSendingARequest()
    {
        var provider = Create(budget: 3);
        await provider.ReadAsync(["api.example.com"], default);
        _time.Advance(TimeSpan.FromMinutes(1));
        await provider.ReadAsync(["api.example.com"], default);
        await provider.ReadAsync(["api.example.com"], default);

        var e = await Assert.ThrowsAsync<DnsProviderException>(() => provider.ReadAsync(["api.example.com"], default));

        Assert.Equal((DnsProviderError.RateLimited, TimeSpan.FromMinutes(4)), (e.Kind, e.RetryAfter));
        Assert.Contains("client-side budget of 3 requests per 5 minutes", e.Message, StringComparison.Ordinal);
        Assert.Equal(3, _cf.Requests.Count);

        _time.Advance(TimeSpan.FromMinutes(4));
        await provider.ReadAsync(["api.example.com"], default);
        Assert.Equal(4, _cf.Requests.Count);
    }

    [Fact]
    public async Task BadToken_ThrowsUnauthorizedWith9109_AndTheTokenAppearsNowhere()
    {
        const string token = "wrong-token-4f1c9a7e0b2d4c7f9e31";
        var provider = Create(token: token);

        var e = await Assert.ThrowsAsync<DnsProviderException>(() => provider.ReadAsync(["api.example.com"], default));

        Assert.Equal((DnsProviderError.Unauthorized, "9109"), (e.Kind, e.Code));
        Assert.Contains("HTTP 403, error 9109: Invalid access token", e.Message, StringComparison.Ordinal);
        Assert.Single(_cf.Requests);
        Assert.DoesNotContain(token, e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(token, provider.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(token, _log.All, StringComparison.Ordinal);
        Assert.NotEmpty(_log.Lines);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("secret-part-1\nsecret-part-2")]
    [InlineData("secret token")]
    public void MalformedToken_ConstructorThrowsUnauthorized_WithoutEchoingIt(string token)
    {
        var e = Assert.Throws<DnsProviderException>(() => Create(new CloudflareOptions { ZoneId = _cf.ZoneId, ApiBaseUrl = _cf.BaseUrl }, token));

        Assert.Equal(DnsProviderError.Unauthorized, e.Kind);
        Assert.DoesNotContain("secret", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadOnlyToken_ApplyThrowsUnauthorizedWith10000()
    {
        var provider = Create(token: _cf.ReadOnlyToken);
        await provider.ReadAsync(["api.example.com"], default);

        var e = await Assert.ThrowsAsync<DnsProviderException>(() =>
            provider.ApplyAsync([new DnsChange(null, Set("api.example.com", 60, "198.51.100.10"))], default));

        Assert.Equal((DnsProviderError.Unauthorized, "10000"), (e.Kind, e.Code));
        Assert.DoesNotContain(_cf.ReadOnlyToken, e.ToString(), StringComparison.Ordinal);
        Assert.Empty(_cf.Records);
    }

    [Fact]
    public async Task Proxied_AddressRecordsGetTtl1AndProxied_TxtIsNeverProxied_AndTheNextReadMatchesThePlan()
    {
        var provider = Create(proxied: true);
        Assert.Equal((1, 1, 300), (provider.EffectiveTtl(DnsRecordType.A, 300), provider.EffectiveTtl(DnsRecordType.CNAME, 300), provider.EffectiveTtl(DnsRecordType.TXT, 300)));
        await provider.ReadAsync(["api.example.com"], default);
        var address = Set("api.example.com", provider.EffectiveTtl(DnsRecordType.A, 60), "198.51.100.10");
        var marker = new DnsRecordSet("api.example.com", DnsRecordType.TXT, provider.EffectiveTtl(DnsRecordType.TXT, 60), ["heritage=neuropilot-edge,owner=fleet-1"]);

        await provider.ApplyAsync([new DnsChange(null, address), new DnsChange(null, marker)], default);

        Assert.Equal(
            ["api.example.com A 198.51.100.10 ttl=1 proxied", "api.example.com TXT heritage=neuropilot-edge,owner=fleet-1 ttl=60"],
            Zone());
        var read = await provider.ReadAsync(["api.example.com"], default);
        Assert.True(read[0].SameContent(address), read[0].ToString());
        Assert.True(read[1].SameContent(marker), read[1].ToString());
    }

    [Fact]
    public async Task Apply_TxtReadQuoted_IsComparedUnquotedAndKept()
    {
        var quoted = _cf.Seed("api.example.com", "TXT", "\"owner=fleet-1\"", ttl: 60);
        var provider = Create();
        var marker = Assert.Single(await provider.ReadAsync(["api.example.com"], default));
        Assert.Equal(["owner=fleet-1"], marker.Values);

        await provider.ApplyAsync(
            [new DnsChange(marker, new DnsRecordSet("api.example.com", DnsRecordType.TXT, 60, ["owner=fleet-1", "v=2"]))], default);

        Assert.Equal([(quoted.Id, "\"owner=fleet-1\""), (_cf.Records[1].Id, "v=2")], _cf.Records.Select(r => (r.Id, r.Content)));
    }

    [Fact]
    public async Task Apply_MoreThan200Operations_SplitsIntoBatchesOfAtMost200()
    {
        var names = Enumerable.Range(0, 250).Select(i => $"h{i}.example.com").ToArray();
        var provider = Create();
        await provider.ReadAsync(names, default);

        var result = await provider.ApplyAsync([.. names.Select(n => new DnsChange(null, Set(n, 60, "198.51.100.1")))], default);

        Assert.Equal(2, result.Requests);
        Assert.Equal(2, _cf.RequestCounts[Batch]);
        Assert.Equal(250, _cf.Records.Count);
    }

    [Fact]
    public async Task Apply_NoBatchEndpoint_FallsBackToDeletePatchPostCalls_AndRemembers()
    {
        await using var cf = await StartEmulatorAsync(new CloudflareEmulatorOptions { BatchEndpoint = false });
        cf.Seed("api.example.com", "A", "198.51.100.10", ttl: 60);
        cf.Seed("api.example.com", "A", "198.51.100.20", ttl: 60);
        var provider = Create(cf);
        var api = Assert.Single(await provider.ReadAsync(["api.example.com"], default));

        var result = await provider.ApplyAsync([new DnsChange(api, Set("api.example.com", 120, "198.51.100.20", "198.51.100.30"))], default);

        Assert.Equal(4, result.Requests);
        Assert.Equal(
            ["GET 200", "POST 405", "DELETE 200", "PATCH 200", "POST 200"],
            cf.Requests.Select(r => $"{r.Method} {r.StatusCode}"));
        Assert.Equal(["api.example.com A 198.51.100.20 ttl=120", "api.example.com A 198.51.100.30 ttl=120"], Zone(cf));

        var now = Assert.Single(await provider.ReadAsync(["api.example.com"], default));
        var second = await provider.ApplyAsync([new DnsChange(now, null)], default);
        Assert.Equal(2, second.Requests);
        Assert.Equal(1, cf.Requests.Count(r => r.StatusCode == 405));
        Assert.Empty(cf.Records);
    }

    [Fact]
    public async Task Apply_NoChanges_SendsNothing()
    {
        var provider = Create();
        Assert.Equal(new DnsApplyResult(0, null), await provider.ApplyAsync([], default));
        Assert.Empty(_cf.Requests);
    }

    [Fact]
    public async Task Read_ConnectionRefused_ThrowsUnavailable()
    {
        var provider = Create(new CloudflareOptions { ZoneId = _cf.ZoneId, ApiBaseUrl = new Uri($"http://127.0.0.1:{FreePort()}/client/v4") }, "token");

        var e = await Assert.ThrowsAsync<DnsProviderException>(() => DriveAsync(provider.ReadAsync(["api.example.com"], default)));

        Assert.Equal(DnsProviderError.Unavailable, e.Kind);
        Assert.Contains("failed before an answer", e.Message, StringComparison.Ordinal);
        Assert.Equal(CloudflareProvider.MaxAttempts, provider.RequestsSent);
    }

    [Fact]
    public async Task Read_CallerCancels_ThrowsOperationCanceled()
    {
        var provider = Create();
        _cf.Latency = TimeSpan.FromSeconds(30);
        using var cancel = new CancellationTokenSource();

        var read = provider.ReadAsync(["api.example.com"], cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
    }

    private static DnsRecordSet Set(string name, int ttl, params string[] values) => new(name, DnsRecordType.A, ttl, values);

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private Task<CloudflareEmulator> StartEmulatorAsync(CloudflareEmulatorOptions? options = null)
    {
        options ??= new CloudflareEmulatorOptions();
        options.TimeProvider = _time;
        return CloudflareEmulator.StartAsync(options);
    }

    private CloudflareProvider Create(CloudflareEmulator? cf = null, string? token = null, bool proxied = false, int budget = 240, int perPage = 5_000)
    {
        cf ??= _cf;
        var options = new CloudflareOptions { ZoneId = cf.ZoneId, ApiBaseUrl = cf.BaseUrl, Proxied = proxied, RequestsPerFiveMinutes = budget };
        return Create(options, token ?? cf.Token, perPage);
    }

    private CloudflareProvider Create(CloudflareOptions options, string token, int perPage = 5_000)
    {
        var provider = new CloudflareProvider(options, token, _time, _log, handler: null, perPage);
        _providers.Add(provider);
        return provider;
    }

    private string[] Zone(CloudflareEmulator? cf = null) => [.. (cf ?? _cf).Records.Select(r =>
        $"{r.Name} {r.Type} {r.Content} ttl={r.Ttl}{(r.Proxied ? " proxied" : "")}")];

    /// <summary>Moves the shared fake clock on (timeouts, backoff) until the call completes; fails after 20 s of real time.</summary>
    private async Task<T> DriveAsync<T>(Task<T> call)
    {
        var deadline = Stopwatch.StartNew();
        while (!call.IsCompleted)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), "the provider call did not complete while the clock was driven");
            _time.Advance(TimeSpan.FromMilliseconds(500));
            await Task.WhenAny(call, Task.Delay(TimeSpan.FromMilliseconds(5)));
        }

        return await call;
    }
}

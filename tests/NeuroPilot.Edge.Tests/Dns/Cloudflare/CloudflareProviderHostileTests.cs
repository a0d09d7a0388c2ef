using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns;
using NeuroPilot.Edge.Dns.Cloudflare;
using NeuroPilot.Edge.Tests.TestKit.Dns;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Dns.Cloudflare;

/// <summary>
/// The Cloudflare provider against a hostile API (the emulator's <see cref="CloudflareHostility"/> modes, and a stub
/// handler for what the emulator cannot say): a 58-day <c>Retry-After</c>, a gzip bomb, answers over the size cap,
/// truncated and malformed bodies, a trickle. Every call ends in <see cref="DnsProviderException"/> with a clear
/// message, reads at most the cap, and the provider works again once the API does. Clock: one FakeTimeProvider for
/// the provider and the emulator.
/// </summary>
public sealed class CloudflareProviderHostileTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const long MiB = 1024 * 1024;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero));
    private readonly CapturingLogger<CloudflareProvider> _log = new();
    private readonly List<IDisposable> _providers = [];
    private CloudflareEmulator _cf = null!;

    public async Task InitializeAsync()
    {
        _cf = await CloudflareEmulator.StartAsync(new CloudflareEmulatorOptions { TimeProvider = _time });
        _cf.Seed("api.example.com", "A", "198.51.100.10", ttl: 60);
    }

    public async Task DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            provider.Dispose();
        }

        await _cf.DisposeAsync();
    }

    [Fact]
    public async Task Read_429WithRetryAfterOf58Days_HoldsCallsBackForOneHourAtMost()
    {
        var provider = Create();
        _cf.Hostility = CloudflareHostility.RetryAfter(5_000_000);

        var e = await Assert.ThrowsAsync<DnsProviderException>(() => provider.ReadAsync(["api.example.com"], default));
        output.WriteLine(e.Message);

        Assert.Equal((DnsProviderError.RateLimited, TimeSpan.FromHours(1)), (e.Kind, e.RetryAfter));
        Assert.Contains("5000000 s", e.Message, StringComparison.Ordinal);
        _cf.Hostility = null;
        _time.Advance(TimeSpan.FromMinutes(59));
        var held = await Assert.ThrowsAsync<DnsProviderException>(() => provider.ReadAsync(["api.example.com"], default));
        Assert.Equal((DnsProviderError.RateLimited, TimeSpan.FromMinutes(1)), (held.Kind, held.RetryAfter));
        Assert.Single(_cf.Requests);

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("api.example.com 60 A [198.51.100.10]", Assert.Single(await provider.ReadAsync(["api.example.com"], default)).ToString());
    }

    [Fact]
    public async Task Read_GzipBombOf200MiB_FailsAsTooLargeInOneRequest_WithoutExpandingIt()
    {
        var clock = Stopwatch.StartNew();
        var bomb = CloudflareHostility.GzipBomb(200 * MiB);
        output.WriteLine($"{bomb} (made in {clock.ElapsedMilliseconds} ms)");
        var provider = Create();
        _cf.Hostility = bomb;

        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        clock.Restart();
        var e = await Assert.ThrowsAsync<DnsProviderException>(() => DriveAsync(provider.ReadAsync(["api.example.com"], default)));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        output.WriteLine($"failed after {clock.ElapsedMilliseconds} ms, {allocated / MiB} MiB allocated in the process meanwhile: {e.Message}");

        Assert.Equal(DnsProviderError.Unavailable, e.Kind);
        Assert.Contains("larger than 8 MiB", e.Message, StringComparison.Ordinal);
        Assert.Single(_cf.Requests);
        Assert.True(allocated < 64 * MiB, $"{allocated / MiB} MiB allocated while reading a bomb capped at 8 MiB");

        _cf.Hostility = null;
        Assert.Single(await provider.ReadAsync(["api.example.com"], default));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Read_PlainAnswerOf20MiB_FailsAsTooLarge_WithOrWithoutContentLength(bool contentLength)
    {
        var provider = Create();
        _cf.Hostility = CloudflareHostility.Oversized(20 * MiB, contentLength);

        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var e = await Assert.ThrowsAsync<DnsProviderException>(() => DriveAsync(provider.ReadAsync(["api.example.com"], default)));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        output.WriteLine($"{allocated / MiB} MiB allocated: {e.Message}");

        Assert.Equal(DnsProviderError.Unavailable, e.Kind);
        Assert.Contains("larger than 8 MiB", e.Message, StringComparison.Ordinal);
        Assert.Single(_cf.Requests);
        Assert.True(allocated < 48 * MiB, $"{allocated / MiB} MiB allocated while reading an answer capped at 8 MiB");
    }

    [Fact]
    public async Task Read_TruncatedBody_IsUnavailableAfterItsAttempts_ThenReadsAgain()
    {
        var provider = Create();
        _cf.Hostility = CloudflareHostility.TruncatedBody();

        var e = await Assert.ThrowsAsync<DnsProviderException>(() => DriveAsync(provider.ReadAsync(["api.example.com"], default)));
        output.WriteLine(e.Message);

        Assert.Equal(DnsProviderError.Unavailable, e.Kind);
        Assert.Equal(CloudflareProvider.MaxAttempts, _cf.Requests.Count);
        _cf.Hostility = null;
        Assert.Single(await DriveAsync(provider.ReadAsync(["api.example.com"], default)));
    }

    [Theory]
    [InlineData("""{"success":true,"errors":[],"result":[{"id":"1","name":"api.example.com","type":"A","content":"198.""")]
    [InlineData("""{"success":true,"result":{"not":"a list"}}""")]
    [InlineData("""{"success":true,"result":[null,{"name":null},{"id":"1","name":"api.example.com","type":"A","content":"198.51.100.10","ttl":"sixty"}]}""")]
    [InlineData("""{"success":true,"result":[{"id":"1","name":"api.example.com","type":"A","content":"198.51.100.10","ttl":99999999999}]}""")]
    [InlineData("""{"success":true,"result":[],"result_info":{"total_pages":-5}}""")]
    [InlineData("\uFEFF[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[")]
    [InlineData("")]
    public async Task Read_MalformedJson_FailsAsAProviderErrorNeverAnotherException(string body)
    {
        var provider = Create();
        _cf.Hostility = CloudflareHostility.MalformedJson(body);

        var outcome = await Record.ExceptionAsync(() => DriveAsync(provider.ReadAsync(["api.example.com"], default)));
        output.WriteLine(outcome is null ? "read: no error" : $"{outcome.GetType().Name}: {outcome.Message}");

        Assert.True(outcome is null or DnsProviderException, $"the read threw {outcome?.GetType().Name}: {outcome?.Message}");
    }

    [Fact]
    public async Task Read_ErrorMessageOf1MiBWithLineBreaks_ReachesMessagesClippedToOneShortLine()
    {
        var provider = Create();
        var forged = string.Concat(Enumerable.Repeat(@"no\nWARN forged log line ", 40_000));
        _cf.Hostility = CloudflareHostility.Json($$"""{"success":false,"errors":[{"code":1000,"message":"{{forged}}"}],"messages":[],"result":null}""", 400);

        var e = await Assert.ThrowsAsync<DnsProviderException>(() => DriveAsync(provider.ReadAsync(["api.example.com"], default)));
        output.WriteLine(e.Message);

        Assert.Equal((DnsProviderError.Rejected, "1000"), (e.Kind, e.Code));
        Assert.True(e.Message.Length < 500, $"a {e.Message.Length}-character message");
        Assert.DoesNotContain('\n', e.Message);
        Assert.All(_log.Lines, l => Assert.True(l.Text.Length < 1_000, $"a log line of {l.Text.Length} characters"));
    }

    [Fact]
    public async Task Read_TrickleOfAByteEvery500ms_TimesOutAsUnavailable()
    {
        var provider = Create();
        _cf.Hostility = CloudflareHostility.Trickle(TimeSpan.FromMilliseconds(500));

        var e = await Assert.ThrowsAsync<DnsProviderException>(() => DriveAsync(provider.ReadAsync(["api.example.com"], default)));
        output.WriteLine(e.Message);

        Assert.Equal(DnsProviderError.Unavailable, e.Kind);
        Assert.Contains("timed out after 10 s", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_PagesFullOfRecordsAtOurName_FailsOnceTheRecordsKeptPass8MiB()
    {
        var handler = new EndlessPagesHandler(pageBytes: 1 * (int)MiB);
        var options = new CloudflareOptions { ZoneId = "zone-1", ApiBaseUrl = new Uri("http://127.0.0.1:9/client/v4"), RequestsPerFiveMinutes = 20 };
        var provider = new CloudflareProvider(options, "token", _time, _log, handler);
        _providers.Add(provider);

        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var e = await Assert.ThrowsAsync<DnsProviderException>(() => DriveAsync(provider.ReadAsync(["api.example.com"], default)));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        output.WriteLine($"{handler.Pages} pages read, {allocated / MiB} MiB allocated: {e.Message}");

        Assert.Contains("more than 8 MiB", e.Message, StringComparison.Ordinal);
        Assert.InRange(handler.Pages, 9, 12);
    }

    private CloudflareProvider Create()
    {
        var options = new CloudflareOptions { ZoneId = _cf.ZoneId, ApiBaseUrl = _cf.BaseUrl, RequestsPerFiveMinutes = 240 };
        var provider = new CloudflareProvider(options, _cf.Token, _time, _log);
        _providers.Add(provider);
        return provider;
    }

    /// <summary>Moves the shared fake clock on (timeouts, backoff, the trickle) until the call completes; fails after 30 s of real time.</summary>
    private async Task<T> DriveAsync<T>(Task<T> call)
    {
        var deadline = Stopwatch.StartNew();
        while (!call.IsCompleted)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "the provider call did not complete while the clock was driven");
            _time.Advance(TimeSpan.FromMilliseconds(500));
            await Task.WhenAny(call, Task.Delay(TimeSpan.FromMilliseconds(5)));
        }

        return await call;
    }

    /// <summary>An API that claims 1,000 pages, each about <c>pageBytes</c> of records at <c>api.example.com</c>.</summary>
    private sealed class EndlessPagesHandler(int pageBytes) : HttpMessageHandler
    {
        private int _pages;

        public int Pages => Volatile.Read(ref _pages);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var page = Interlocked.Increment(ref _pages);
            var json = new StringBuilder("""{"success":true,"errors":[],"messages":[],"result":[""");
            for (var i = 0; json.Length < pageBytes; i++)
            {
                json.Append(CultureInfo.InvariantCulture,
                    $$"""{"id":"{{page:x8}}{{i:x8}}","name":"api.example.com","type":"TXT","content":"{{new string('x', 200)}}","ttl":60,"proxied":false},""");
            }

            json.Length--;
            json.Append("""],"result_info":{"page":1,"per_page":5000,"total_pages":1000}}""");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json.ToString(), Encoding.UTF8, "application/json") });
        }
    }
}

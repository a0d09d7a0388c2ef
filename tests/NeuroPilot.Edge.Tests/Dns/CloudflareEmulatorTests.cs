using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Dns;

namespace NeuroPilot.Edge.Tests.Dns;

/// <summary>
/// The Cloudflare API v4 emulator of the test kit behaves as REFERENCE.md's "Cloudflare API v4 facts" say, so a DNS
/// pusher tested against it meets the same envelope, paging, transactions and limits as against Cloudflare.
/// </summary>
public sealed class CloudflareEmulatorTests : IAsyncLifetime
{
    private CloudflareEmulator _emulator = null!;
    private HttpClient _client = null!;

    private string Records => $"zones/{_emulator.ZoneId}/dns_records";

    public async Task InitializeAsync()
    {
        _emulator = await CloudflareEmulator.StartAsync();
        _client = _emulator.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _emulator.DisposeAsync();
    }

    [Fact]
    public async Task List_250RecordsAt100PerPage_ThreePagesWithResultInfoAndEveryRecordOnce()
    {
        for (var i = 0; i < 250; i++)
        {
            _emulator.Seed($"host{i}.example.com", "A", $"198.51.100.{i % 250 + 1}");
        }

        var seen = new HashSet<string>();
        for (var page = 1; page <= 3; page++)
        {
            var (status, envelope) = await SendAsync(HttpMethod.Get, $"{Records}?page={page}&per_page=100");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.True(envelope["success"]!.GetValue<bool>());
            Assert.Empty(envelope["errors"]!.AsArray());
            Assert.Empty(envelope["messages"]!.AsArray());
            var info = envelope["result_info"]!;
            var expectedCount = page < 3 ? 100 : 50;
            Assert.Equal(
                (page, 100, expectedCount, 250, 3),
                (Int(info, "page"), Int(info, "per_page"), Int(info, "count"), Int(info, "total_count"), Int(info, "total_pages")));
            foreach (var record in envelope["result"]!.AsArray())
            {
                Assert.True(seen.Add(record!["id"]!.GetValue<string>()));
            }
        }

        Assert.Equal(250, seen.Count);
        var (_, byDefault) = await SendAsync(HttpMethod.Get, Records);
        Assert.Equal(100, Int(byDefault["result_info"]!, "per_page"));
        var (tooMany, refused) = await SendAsync(HttpMethod.Get, $"{Records}?per_page=5001");
        Assert.Equal(HttpStatusCode.BadRequest, tooMany);
        Assert.False(refused["success"]!.GetValue<bool>());
    }

    [Fact]
    public async Task List_Filters_MatchAllByDefaultAndAnyOnRequest()
    {
        _emulator.Seed("api.example.com", "A", "198.51.100.10");
        _emulator.Seed("api.example.com", "A", "198.51.100.20");
        _emulator.Seed("api.example.com", "TXT", "heritage=neuropilot-edge,owner=fleet-1");
        _emulator.Seed("www.example.com", "CNAME", "api.example.com");

        Assert.Equal(2, (await ListAsync("name=api.example.com&type=A")).Count);
        Assert.Single(await ListAsync("name.exact=api.example.com&type=A&content=198.51.100.20"));
        Assert.Single(await ListAsync("type=TXT&content.contains=owner%3Dfleet-1"));
        Assert.Equal(2, (await ListAsync("match=any&type=CNAME&content=198.51.100.10")).Count);
        Assert.Equal(3, (await ListAsync("name.startswith=api")).Count);
        Assert.Empty(await ListAsync("name=nothing.example.com"));
        var ordered = await ListAsync("type=A&order=content&direction=desc");
        Assert.Equal("198.51.100.20", ordered[0]!["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task Records_CreateGetPutPatchDelete_EachAnswersTheRecordAndChangesTheZone()
    {
        var (created, createdEnvelope) = await SendAsync(HttpMethod.Post, Records,
            new { type = "A", name = "api", content = "198.51.100.10", ttl = 60, comment = "owner=fleet-1" });
        Assert.Equal(HttpStatusCode.OK, created);
        var record = createdEnvelope["result"]!;
        var id = record["id"]!.GetValue<string>();
        Assert.Equal(32, id.Length);
        Assert.Equal("api.example.com", record["name"]!.GetValue<string>());
        Assert.Equal(_emulator.ZoneId, record["zone_id"]!.GetValue<string>());
        Assert.True(record["proxiable"]!.GetValue<bool>());
        Assert.Equal("owner=fleet-1", record["comment"]!.GetValue<string>());

        var (_, got) = await SendAsync(HttpMethod.Get, $"{Records}/{id}");
        Assert.Equal("198.51.100.10", got["result"]!["content"]!.GetValue<string>());

        var (_, put) = await SendAsync(HttpMethod.Put, $"{Records}/{id}", new { type = "A", name = "api.example.com", content = "198.51.100.20", ttl = 120 });
        Assert.Equal((120, "198.51.100.20"), (Int(put["result"]!, "ttl"), put["result"]!["content"]!.GetValue<string>()));
        Assert.Null(put["result"]!["comment"]);

        var (_, patched) = await SendAsync(HttpMethod.Patch, $"{Records}/{id}", new { content = "198.51.100.30" });
        Assert.Equal((120, "198.51.100.30"), (Int(patched["result"]!, "ttl"), patched["result"]!["content"]!.GetValue<string>()));
        Assert.Equal("198.51.100.30", Assert.Single(_emulator.Records).Content);

        var (deleted, deletedEnvelope) = await SendAsync(HttpMethod.Delete, $"{Records}/{id}");
        Assert.Equal(HttpStatusCode.OK, deleted);
        Assert.Equal(id, deletedEnvelope["result"]!["id"]!.GetValue<string>());
        Assert.Empty(_emulator.Records);

        var (missing, missingEnvelope) = await SendAsync(HttpMethod.Get, $"{Records}/{id}");
        Assert.Equal((HttpStatusCode.NotFound, CloudflareErrorCodes.RecordNotFound), (missing, FirstErrorCode(missingEnvelope)));
    }

    [Fact]
    public async Task Create_DuplicateOrCnameConflict_IsRefusedWithCloudflareCodes()
    {
        _emulator.Seed("api.example.com", "A", "198.51.100.10");
        _emulator.Seed("www.example.com", "CNAME", "api.example.com");

        await AssertRefusedAsync(HttpMethod.Post, Records, new { type = "A", name = "api.example.com", content = "198.51.100.10" }, CloudflareErrorCodes.IdenticalRecordExists);
        await AssertRefusedAsync(HttpMethod.Post, Records, new { type = "CNAME", name = "api.example.com", content = "x.example.net" }, CloudflareErrorCodes.AddressOrCnameExists);
        await AssertRefusedAsync(HttpMethod.Post, Records, new { type = "A", name = "www.example.com", content = "198.51.100.10" }, CloudflareErrorCodes.AddressOrCnameExists);
        await AssertRefusedAsync(HttpMethod.Post, Records, new { type = "CNAME", name = "www.example.com", content = "y.example.net" }, CloudflareErrorCodes.RecordAlreadyExists);
        await AssertRefusedAsync(HttpMethod.Post, Records, new { type = "A", name = "v4.example.com", content = "2001:db8::1" }, CloudflareErrorCodes.InvalidIPv4);
        Assert.Equal(2, _emulator.Records.Count);
    }

    [Fact]
    public async Task Batch_AppliesDeletesPatchesPutsThenPosts_AsOneChange()
    {
        var old = _emulator.Seed("api.example.com", "A", "198.51.100.10");
        var patchMe = _emulator.Seed("api.example.com", "A", "198.51.100.20");
        var putMe = _emulator.Seed("mail.example.com", "A", "198.51.100.40");

        // The post recreates the record the delete removed: it succeeds only because deletes run first.
        var (status, envelope) = await SendAsync(HttpMethod.Post, $"{Records}/batch", new
        {
            posts = new object[] { new { type = "A", name = "api.example.com", content = "198.51.100.10", comment = "recreated" } },
            deletes = new object[] { new { id = old.Id } },
            patches = new object[] { new { id = patchMe.Id, content = "198.51.100.30" } },
            puts = new object[] { new { id = putMe.Id, type = "A", name = "mail.example.com", content = "198.51.100.50", ttl = 300 } },
        });

        Assert.Equal(HttpStatusCode.OK, status);
        var result = envelope["result"]!;
        Assert.Equal(old.Id, result["deletes"]![0]!["id"]!.GetValue<string>());
        Assert.Equal("198.51.100.30", result["patches"]![0]!["content"]!.GetValue<string>());
        Assert.Equal(300, Int(result["puts"]![0]!, "ttl"));
        Assert.Equal("recreated", result["posts"]![0]!["comment"]!.GetValue<string>());
        Assert.Equal(
            ["198.51.100.30", "198.51.100.50", "198.51.100.10"],
            _emulator.Records.Select(r => r.Content).ToArray());
    }

    [Fact]
    public async Task Batch_LastPostDuplicatesAnExistingRecord_AppliesNothingAndAnswers81058()
    {
        var keep = _emulator.Seed("api.example.com", "A", "198.51.100.10");
        var foreign = _emulator.Seed("foreign.example.com", "A", "203.0.113.7", comment: "not ours");
        var before = _emulator.Records;

        var (status, envelope) = await SendAsync(HttpMethod.Post, $"{Records}/batch", new
        {
            deletes = new object[] { new { id = keep.Id } },
            patches = new object[] { new { id = foreign.Id, content = "203.0.113.8" } },
            posts = new object[]
            {
                new { type = "A", name = "new.example.com", content = "198.51.100.99" },
                new { type = "A", name = "foreign.example.com", content = "203.0.113.8" },
            },
        });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.False(envelope["success"]!.GetValue<bool>());
        Assert.Equal(CloudflareErrorCodes.IdenticalRecordExists, FirstErrorCode(envelope));
        Assert.Single(envelope["errors"]!.AsArray());
        Assert.Equal(before, _emulator.Records);

        var tooBig = Enumerable.Range(0, 201).Select(i => (object)new { type = "A", name = $"h{i}.example.com", content = "198.51.100.1" }).ToArray();
        await AssertRefusedAsync(HttpMethod.Post, $"{Records}/batch", new { posts = tooBig }, CloudflareErrorCodes.InvalidBatch);
        Assert.Equal(before, _emulator.Records);
    }

    [Fact]
    public async Task Auth_MissingUnknownOrReadOnlyToken_IsRefusedWithTheRightCodes()
    {
        using var anonymous = new HttpClient { BaseAddress = _client.BaseAddress };
        var (missing, missingEnvelope) = await SendAsync(HttpMethod.Get, Records, client: anonymous);
        Assert.Equal((HttpStatusCode.BadRequest, CloudflareErrorCodes.MissingAuthHeaders), (missing, FirstErrorCode(missingEnvelope)));

        using var unknown = _emulator.CreateClient("not-a-token");
        var (invalid, invalidEnvelope) = await SendAsync(HttpMethod.Get, Records, client: unknown);
        Assert.Equal((HttpStatusCode.Forbidden, CloudflareErrorCodes.InvalidAccessToken), (invalid, FirstErrorCode(invalidEnvelope)));

        using var readOnly = _emulator.CreateClient(_emulator.ReadOnlyToken);
        var (read, _) = await SendAsync(HttpMethod.Get, Records, client: readOnly);
        Assert.Equal(HttpStatusCode.OK, read);
        var (write, writeEnvelope) = await SendAsync(HttpMethod.Post, Records, new { type = "A", name = "api", content = "198.51.100.10" }, readOnly);
        Assert.Equal((HttpStatusCode.Forbidden, CloudflareErrorCodes.AuthenticationError), (write, FirstErrorCode(writeEnvelope)));
        Assert.Empty(_emulator.Records);

        var (otherZone, otherZoneEnvelope) = await SendAsync(HttpMethod.Get, "zones/0123456789abcdef0123456789abcdef/dns_records");
        Assert.Equal((HttpStatusCode.BadRequest, CloudflareErrorCodes.UnknownZone), (otherZone, FirstErrorCode(otherZoneEnvelope)));
    }

    [Fact]
    public async Task Budget_Spent_Answers429WithRetryAfterUntilTheWindowEnds()
    {
        await using var emulator = await CloudflareEmulator.StartAsync(
            new CloudflareEmulatorOptions { RequestBudget = 5, BudgetWindow = TimeSpan.FromSeconds(2) });
        using var client = emulator.CreateClient();
        var path = $"zones/{emulator.ZoneId}/dns_records";

        using (var first = await client.GetAsync(path))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        for (var i = 0; i < 4; i++)
        {
            using var within = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, within.StatusCode);
        }

        for (var i = 0; i < 3; i++)
        {
            using var refused = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            var retryAfter = refused.Headers.RetryAfter?.Delta;
            Assert.True(retryAfter is { TotalSeconds: >= 1 and <= 2 }, $"Retry-After: {retryAfter}");
            var envelope = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
            Assert.Equal(CloudflareErrorCodes.RateLimited, FirstErrorCode(envelope));
        }

        // Another token has a budget of its own.
        using (var readOnly = emulator.CreateClient(emulator.ReadOnlyToken))
        using (var other = await readOnly.GetAsync(path))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        }

        await Eventually.WaitUntilAsync(
            async () =>
            {
                using var again = await client.GetAsync(path);
                return again.StatusCode == HttpStatusCode.OK;
            },
            TimeSpan.FromSeconds(6),
            "the token is served again after its 2 s window");
        Assert.True(emulator.RequestCounts[$"GET {CloudflareEmulator.RecordsRoute}"] >= 10);
        Assert.All(emulator.Requests.Where(r => r.StatusCode == 429), r => Assert.Equal(CloudflareErrorCodes.RateLimited, r.ErrorCode));
    }

    [Fact]
    public async Task FailNext_TwoCallsGet503HtmlAndChangeNothing_ThenTheApiAnswersAgain()
    {
        _emulator.FailNext(2, HttpStatusCode.ServiceUnavailable);

        for (var i = 0; i < 2; i++)
        {
            using var failed = await _client.PostAsJsonAsync(Records, new { type = "A", name = "api", content = "198.51.100.10" });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
            Assert.StartsWith("text/html", failed.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        }

        Assert.Empty(_emulator.Records);
        var (status, _) = await SendAsync(HttpMethod.Post, Records, new { type = "A", name = "api", content = "198.51.100.10" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Single(_emulator.Records);
        Assert.Equal([503, 503, 200], _emulator.Requests.Select(r => r.StatusCode).ToArray());
        Assert.Equal(3, _emulator.RequestCounts[$"POST {CloudflareEmulator.RecordsRoute}"]);
    }

    [Fact]
    public async Task Latency_DelaysEveryAnswer()
    {
        _emulator.Latency = TimeSpan.FromMilliseconds(300);
        var watch = Stopwatch.StartNew();
        var (status, _) = await SendAsync(HttpMethod.Get, Records);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(290), $"answered after {watch.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Ttl_OneOr60To86400_ProxiedIsAlwaysAutoAndOnlyForAddressAndCname()
    {
        await AssertRefusedAsync(HttpMethod.Post, Records, new { type = "A", name = "a", content = "198.51.100.1", ttl = 30 }, CloudflareErrorCodes.InvalidTtl);
        await AssertRefusedAsync(HttpMethod.Post, Records, new { type = "A", name = "a", content = "198.51.100.1", ttl = 86_401 }, CloudflareErrorCodes.InvalidTtl);
        await AssertRefusedAsync(HttpMethod.Post, Records, new { type = "TXT", name = "t", content = "x", proxied = true }, CloudflareErrorCodes.NotProxiable);
        await AssertRefusedAsync(HttpMethod.Post, Records, new { type = "A", name = "a", content = "198.51.100.1", comment = new string('c', 101) }, CloudflareErrorCodes.CommentTooLong);
        await AssertRefusedAsync(HttpMethod.Post, Records, new { type = "A", name = "a", content = "198.51.100.1", tags = new[] { "owner:x" } }, CloudflareErrorCodes.DnsValidationError);

        var (_, auto) = await SendAsync(HttpMethod.Post, Records, new { type = "A", name = "auto", content = "198.51.100.1", ttl = 1 });
        Assert.Equal(1, Int(auto["result"]!, "ttl"));
        var (_, max) = await SendAsync(HttpMethod.Post, Records, new { type = "A", name = "max", content = "198.51.100.1", ttl = 86_400 });
        Assert.Equal(86_400, Int(max["result"]!, "ttl"));
        var (_, proxied) = await SendAsync(HttpMethod.Post, Records, new { type = "A", name = "proxied", content = "198.51.100.1", ttl = 300, proxied = true });
        Assert.Equal((1, true), (Int(proxied["result"]!, "ttl"), proxied["result"]!["proxied"]!.GetValue<bool>()));
        Assert.Equal(3, _emulator.Records.Count);
    }

    [Fact]
    public async Task SeedAndReset_ForeignRecordsAreListedAndResetEmptiesEverything()
    {
        var foreign = _emulator.Seed("api.example.com", "A", "203.0.113.7", ttl: 300, comment: "managed by someone else");
        var listed = Assert.Single(await ListAsync("name=api.example.com"));
        Assert.Equal(foreign.Id, listed!["id"]!.GetValue<string>());
        Assert.Equal("managed by someone else", listed["comment"]!.GetValue<string>());
        Assert.Throws<ArgumentException>(() => _emulator.Seed("api.example.com", "A", "203.0.113.7"));

        _emulator.Reset();

        Assert.Empty(_emulator.Records);
        Assert.Empty(_emulator.Requests);
        Assert.Empty(await ListAsync(""));
    }

    [Fact]
    public async Task Hostility_GzipBomb_IsAFewHundredKBThatExpandsTo200MiBOfValidJson()
    {
        _emulator.Hostility = CloudflareHostility.GzipBomb(200L * 1024 * 1024);
        using var request = new HttpRequestMessage(HttpMethod.Get, Records);
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var compressed = response.Content.Headers.ContentLength;

        // Expanded and checked as a stream: a 64 KiB window through the JSON reader, never the whole document.
        await using var gzip = new GZipStream(await response.Content.ReadAsStreamAsync(), CompressionMode.Decompress);
        var (expanded, tokens) = await ReadJsonStreamingAsync(gzip);

        Assert.Equal("gzip", Assert.Single(response.Content.Headers.ContentEncoding));
        Assert.InRange(compressed ?? 0, 1, 1024 * 1024);
        Assert.Equal(200L * 1024 * 1024, expanded);
        Assert.True(tokens > 100_000, $"{tokens} JSON tokens");
    }

    [Fact]
    public async Task Hostility_RetryAfter_Answers429WithTheHeader_ThenNullAnswersNormally()
    {
        _emulator.Hostility = CloudflareHostility.RetryAfter(5_000_000);
        using (var response = await _client.GetAsync(Records))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(5_000_000), response.Headers.RetryAfter?.Delta);
        }

        _emulator.Hostility = null;
        Assert.Empty(await ListAsync(""));
        Assert.Equal([429, 200], _emulator.Requests.Select(r => r.StatusCode));
    }

    /// <summary>Validates a JSON document read from <paramref name="stream"/> through a small window; returns its length and token count.</summary>
    private static async Task<(long Bytes, long Tokens)> ReadJsonStreamingAsync(Stream stream)
    {
        var buffer = new byte[64 * 1024];
        var state = new JsonReaderState();
        var held = 0;
        var total = 0L;
        var tokens = 0L;
        while (true)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(held));
            total += read;
            var final = read == 0;
            var consumed = Scan(buffer.AsSpan(0, held + read), final, ref state, ref tokens);
            held = held + read - consumed;
            buffer.AsSpan(consumed, held).CopyTo(buffer);
            if (final)
            {
                // A final block that ends inside a value throws JsonException: getting here means the document is whole.
                return (total, tokens);
            }
        }
    }

    private static int Scan(ReadOnlySpan<byte> data, bool final, ref JsonReaderState state, ref long tokens)
    {
        var reader = new Utf8JsonReader(data, final, state);
        while (reader.Read())
        {
            tokens++;
        }

        state = reader.CurrentState;
        return (int)reader.BytesConsumed;
    }

    private async Task<JsonArray> ListAsync(string query)
    {
        var (status, envelope) = await SendAsync(HttpMethod.Get, $"{Records}?{query}");
        Assert.Equal(HttpStatusCode.OK, status);
        return envelope["result"]!.AsArray();
    }

    private async Task AssertRefusedAsync(HttpMethod method, string path, object body, int code)
    {
        var (status, envelope) = await SendAsync(method, path, body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.False(envelope["success"]!.GetValue<bool>());
        Assert.Equal(code, FirstErrorCode(envelope));
    }

    private async Task<(HttpStatusCode Status, JsonNode Envelope)> SendAsync(HttpMethod method, string path, object? body = null, HttpClient? client = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await (client ?? _client).SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonNode.Parse(text) ?? throw new JsonException($"empty body: {text}"));
    }

    private static int FirstErrorCode(JsonNode envelope) => Int(envelope["errors"]![0]!, "code");

    private static int Int(JsonNode node, string field) => node[field]!.GetValue<int>();
}

using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns;
using NeuroPilot.Edge.Dns.Cloudflare;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Dns.Cloudflare;

/// <summary>
/// Property tests (CsCheck) of how the Cloudflare provider reads the API's answers: the status, the <c>Retry-After</c>
/// header and the JSON envelope with its records, through <see cref="CloudflareProvider.ReadAsync"/> with an in-memory
/// handler (no network; the provider's clock is driven on). Random bytes, JSON of every shape in every field, valid
/// list answers cut short or mutated: the read returns record sets or throws <see cref="DnsProviderException"/> (with a
/// wait of one hour at most), never another exception, never hangs. Each property prints how many cases it ran.
/// </summary>
public sealed class CloudflareAnswerPropertyTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static readonly string[] Keys =
        ["success", "errors", "messages", "result", "result_info", "id", "name", "type", "content", "ttl", "proxied", "code", "message", "page", "per_page", "total_pages", "count"];

    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.Const("api.example.com"), Gen.Const("API.Example.COM."), Gen.Const("_neuropilot-edge.a.api.example.com"), Gen.Const("198.51.100.10"),
        Gen.Const("2001:db8::1"), Gen.Const("A"), Gen.Const("AAAA"), Gen.Const("CNAME"), Gen.Const("TXT"), Gen.Const("MX"), Gen.Const("\"quoted\""),
        Gen.Const("heritage=neuropilot-edge,owner=edge-fleet-1"), Gen.Const(""), Gen.String[0, 40]);

    private static readonly Gen<JsonNode?> Scalar = Gen.OneOf<JsonNode?>(
        Gen.Const((JsonNode?)null), Gen.Bool.Select(b => (JsonNode?)b), Gen.Int.Select(i => (JsonNode?)i), Gen.Long.Select(l => (JsonNode?)l),
        Gen.Double.Select(d => double.IsFinite(d) ? (JsonNode?)d : 1e308), Text.Select(s => (JsonNode?)s));

    /// <summary>Any JSON of depth at most 3, objects keyed mostly by the envelope's and the records' field names.</summary>
    private static readonly Gen<JsonNode?> Json = Node(3);

    /// <summary>A list answer as Cloudflare sends it, records at our names and others, of every type.</summary>
    private static readonly Gen<string> ValidList =
        Gen.Select(Text, Gen.OneOf(Gen.Const("A"), Gen.Const("AAAA"), Gen.Const("CNAME"), Gen.Const("TXT"), Gen.Const("MX")), Text, Gen.Int[1, 86_400], Gen.Bool)
            .Select((name, type, content, ttl, proxied) => new JsonObject
            {
                ["id"] = Guid.NewGuid().ToString("N"), ["name"] = name, ["type"] = type, ["content"] = content, ["ttl"] = ttl, ["proxied"] = proxied,
            })
            .Array[0, 6]
            .Select(records => new JsonObject
            {
                ["success"] = true,
                ["errors"] = new JsonArray(),
                ["messages"] = new JsonArray(),
                ["result"] = new JsonArray([.. records]),
                ["result_info"] = new JsonObject { ["page"] = 1, ["per_page"] = 5000, ["total_pages"] = 1 },
            }.ToJsonString());

    private static readonly Gen<int> Status = Gen.Frequency((6, Gen.Const(200)), (1, Gen.OneOf(Gen.Const(400), Gen.Const(403), Gen.Const(404), Gen.Const(429), Gen.Const(500), Gen.Const(502))));

    private static readonly Gen<string?> RetryAfter = Gen.OneOf<string?>(
        Gen.Const((string?)null), Gen.Long[-10, 10_000_000_000].Select(s => (string?)s.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Const<string?>("Fri, 31 Dec 9999 23:59:59 GMT"), Gen.Const<string?>("Thu, 01 Jan 1970 00:00:00 GMT"), Gen.String[0, 20].Select(s => (string?)s));

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public Task Read_RandomBytes_ReturnsOrThrowsDnsProviderException() =>
        RunAsync("random bytes (0-300) with a random status and Retry-After", Gen.Select(Status, RetryAfter, Gen.Byte.Array[0, 300]), iter: 5_000);

    [Fact]
    public Task Read_JsonOfAnyShapeInEveryField_ReturnsOrThrowsDnsProviderException() =>
        RunAsync("JSON of any shape (depth 3, envelope and record keys)", Gen.Select(Status, RetryAfter, Gen.Frequency(
            (3, Json.Select(node => node?.ToJsonString() ?? "null")),
            (3, Gen.Select(Json, Json, Json, Json).Select((success, errors, result, info) => new JsonObject
            {
                ["success"] = success, ["errors"] = errors, ["result"] = result, ["result_info"] = info,
            }.ToJsonString())),
            (4, Gen.Select(Json, Json, Json, Json, Json, Json).Select((id, name, type, content, ttl, proxied) => new JsonObject
            {
                ["success"] = true,
                ["result"] = new JsonArray(new JsonObject { ["id"] = id, ["name"] = name, ["type"] = type, ["content"] = content, ["ttl"] = ttl, ["proxied"] = proxied }),
            }.ToJsonString())))
            .Select(json => Encoding.UTF8.GetBytes(json))), iter: 5_000);

    [Fact]
    public Task Read_ValidListAnswersCutShortOrMutated_ReturnOrThrowDnsProviderException() =>
        RunAsync("valid list answers cut short, or with 1-6 bytes set, inserted or removed", Gen.Select(Status, RetryAfter,
            Gen.Select(ValidList, Gen.Int[0, 1], Gen.Select(Gen.Int[0, 2], Gen.Int[0, 10_000], Gen.Byte).Array[1, 6]).Select((json, cut, mutations) =>
            {
                var bytes = Encoding.UTF8.GetBytes(json).ToList();
                if (cut == 0)
                {
                    return bytes.Take(mutations[0].Item2 % Math.Max(1, bytes.Count)).ToArray();
                }

                foreach (var (kind, at, value) in mutations)
                {
                    var index = bytes.Count == 0 ? 0 : at % bytes.Count;
                    switch (kind)
                    {
                        case 0 when bytes.Count > 0:
                            bytes[index] = value;
                            break;
                        case 1:
                            bytes.Insert(index, value);
                            break;
                        case 2 when bytes.Count > 0:
                            bytes.RemoveAt(index);
                            break;
                    }
                }

                return bytes.ToArray();
            })), iter: 5_000);

    private static Gen<JsonNode?> Node(int depth) => depth == 0
        ? Scalar
        : Gen.Frequency(
            (4, Scalar),
            (2, Node(depth - 1).Array[0, 3].Select(items => (JsonNode?)new JsonArray([.. items]))),
            (3, Gen.Select(Gen.OneOf(Gen.OneOf(Keys.Select(k => Gen.Const(k)).ToArray()), Gen.String[0, 8]), Node(depth - 1)).Array[0, 4].Select(pairs =>
            {
                var node = new JsonObject();
                foreach (var (key, value) in pairs)
                {
                    node[key] = value;
                }

                return (JsonNode?)node;
            })));

    /// <summary>
    /// One read per case against an in-memory API answering every request with the case's status, Retry-After and
    /// body; the fake clock is moved on until the read ends (retries, backoff), which must be within 10 minutes of it.
    /// </summary>
    private async Task RunAsync(string what, Gen<(int Status, string? RetryAfter, byte[] Body)> gen, long iter)
    {
        var cases = 0L;
        var outcomes = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        var run = Task.Run(() => gen.Sample((status, retryAfter, body) =>
        {
            Interlocked.Increment(ref cases);
            var outcome = ReadOnce(status, retryAfter, body);
            lock (outcomes)
            {
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            }
        }, iter: iter, threads: 1));
        await run.WaitAsync(Deadline);
        output.WriteLine($"{what}: {Interlocked.Read(ref cases):N0} cases in {clock.Elapsed.TotalSeconds:0.00} s; outcomes: " +
                         string.Join(", ", outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value}")));
    }

    private string ReadOnce(int status, string? retryAfter, byte[] body)
    {
        var options = new CloudflareOptions { ZoneId = "zone-1", ApiBaseUrl = new Uri("http://127.0.0.1:9/client/v4"), RequestsPerFiveMinutes = 10 };
        using var provider = new CloudflareProvider(options, "token", _time, NullLogger<CloudflareProvider>.Instance, new StubHandler(status, retryAfter, body));
        var read = provider.ReadAsync(["api.example.com", "_neuropilot-edge.a.api.example.com"], CancellationToken.None);
        for (var step = 0; !read.IsCompleted && step < 600; step++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            if (!read.IsCompleted)
            {
                read.Wait(TimeSpan.FromMilliseconds(1));
            }
        }

        Assert.True(read.IsCompleted, $"the read did not end within 10 minutes of its clock (HTTP {status}, {body.Length} bytes)");
        if (read.IsCompletedSuccessfully)
        {
            return "record sets";
        }

        var error = read.Exception?.InnerException;
        var providerError = Assert.IsType<DnsProviderException>(error, exactMatch: true);
        Assert.True(providerError.RetryAfter is null || providerError.RetryAfter <= TimeSpan.FromHours(1), $"RetryAfter {providerError.RetryAfter}");
        return providerError.Kind.ToString();
    }

    /// <summary>Answers every request with one status, Retry-After and body.</summary>
    private sealed class StubHandler(int status, string? retryAfter, byte[] body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new ByteArrayContent(body) };
            response.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            if (retryAfter is not null)
            {
                response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
            }

            return Task.FromResult(response);
        }
    }
}

using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NeuroPilot.Edge.Tests.TestKit.Dns.Internal;

namespace NeuroPilot.Edge.Tests.TestKit.Dns;

/// <summary>
/// A Cloudflare API v4 emulator for one zone's DNS records, served by an in-process Kestrel on 127.0.0.1 at a free
/// port. It answers what a DNS pusher calls (list with filters and paging, create, GET/PUT/PATCH/DELETE, the batch
/// endpoint as one transaction) in Cloudflare's envelope with its error codes (<see cref="CloudflareErrorCodes"/>),
/// checks the Bearer token, enforces the per-token request budget with 429 + <c>Retry-After</c>, and lets a test
/// inject 5xx answers and latency. Tests seed and inspect it in process: <see cref="Seed"/>, <see cref="Records"/>,
/// <see cref="Requests"/>, <see cref="RequestCounts"/>, <see cref="Reset"/>. Point the client at <see cref="BaseUrl"/>
/// (the emulator's <c>https://api.cloudflare.com/client/v4</c>).
/// </summary>
public sealed class CloudflareEmulator : IAsyncDisposable
{
    public const string RecordsRoute = "/zones/{zone_id}/dns_records";
    public const string RecordRoute = "/zones/{zone_id}/dns_records/{dns_record_id}";
    public const string BatchRoute = "/zones/{zone_id}/dns_records/batch";

    private const string ApiPrefix = "/client/v4";

    private readonly Lock _gate = new();
    private readonly WebApplication _app;
    private readonly CloudflareZone _zone;
    private readonly RequestBudget _budget;
    private readonly List<CloudflareRequest> _requests = [];
    private readonly CloudflareEmulatorOptions _options;
    private int _failuresLeft;
    private int _failureStatus;
    private TimeSpan _latency;
    private CloudflareHostility? _hostility;

    private CloudflareEmulator(WebApplication app, CloudflareEmulatorOptions options)
    {
        _app = app;
        _options = options;
        _zone = new CloudflareZone(options.ZoneId, options.ZoneName, options.TimeProvider);
        _budget = new RequestBudget(options.RequestBudget, options.BudgetWindow, options.TimeProvider);
    }

    /// <summary><c>http://127.0.0.1:PORT/client/v4</c>, no trailing slash, like Cloudflare's API base URL.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    public int Port => BaseUrl.Port;

    public string ZoneId => _options.ZoneId;

    public string ZoneName => _options.ZoneName;

    /// <summary>The read-write token.</summary>
    public string Token => _options.Token;

    public string ReadOnlyToken => _options.ReadOnlyToken;

    /// <summary>The zone's records now, in creation order.</summary>
    public IReadOnlyList<CloudflareDnsRecord> Records
    {
        get
        {
            lock (_gate)
            {
                return _zone.Records;
            }
        }
    }

    /// <summary>Every request answered so far (injected failures and refusals included), in arrival order.</summary>
    public IReadOnlyList<CloudflareRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Requests per <c>"METHOD route"</c>, e.g. <c>"GET /zones/{zone_id}/dns_records"</c> (see the route constants).</summary>
    public IReadOnlyDictionary<string, int> RequestCounts
    {
        get
        {
            lock (_gate)
            {
                return _requests.GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.Count());
            }
        }
    }

    public static async Task<CloudflareEmulator> StartAsync(CloudflareEmulatorOptions? options = null)
    {
        options ??= new CloudflareEmulatorOptions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var emulator = new CloudflareEmulator(app, options);
        app.Run(emulator.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        emulator.BaseUrl = new Uri($"http://127.0.0.1:{new Uri(address).Port}{ApiPrefix}");
        return emulator;
    }

    /// <summary>
    /// An HttpClient on <see cref="BaseUrl"/> (its BaseAddress ends with a slash: use relative paths like
    /// <c>zones/ID/dns_records</c>) that sends <paramref name="token"/> (the read-write token when null) as Bearer.
    /// </summary>
    public HttpClient CreateClient(string? token = null)
    {
        var client = new HttpClient(new SocketsHttpHandler { UseProxy = false })
        {
            BaseAddress = new Uri(BaseUrl + "/"),
            Timeout = TimeSpan.FromSeconds(10),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token ?? Token);
        return client;
    }

    /// <summary>
    /// Adds a record directly, as if someone else had created it (a foreign record: no owner marker unless the comment
    /// holds one). Cloudflare's rules apply; no request is logged or counted.
    /// </summary>
    public CloudflareDnsRecord Seed(string name, string type, string content, int ttl = 1, bool proxied = false, string? comment = null)
    {
        var input = new RecordInput(null, name, type, content, ttl, proxied, comment is not null, comment, null, 0);
        lock (_gate)
        {
            try
            {
                return _zone.Create(input);
            }
            catch (CloudflareApiException e)
            {
                throw new ArgumentException($"Cloudflare would refuse this record: {e.Code} {e.Message}", e);
            }
        }
    }

    /// <summary>The next <paramref name="count"/> requests get <paramref name="statusCode"/> with an HTML body, as Cloudflare's edge answers, and change nothing.</summary>
    public void FailNext(int count, HttpStatusCode statusCode = HttpStatusCode.BadGateway)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_gate)
        {
            _failuresLeft = count;
            _failureStatus = (int)statusCode;
        }
    }

    /// <summary>Every request waits this long (on the options' TimeProvider) before it is answered; zero to stop.</summary>
    public TimeSpan Latency
    {
        get
        {
            lock (_gate)
            {
                return _latency;
            }
        }

        set
        {
            lock (_gate)
            {
                _latency = value;
            }
        }
    }

    /// <summary>
    /// While set, every request gets this hostile answer (huge <c>Retry-After</c>, gzip bomb, truncated or malformed
    /// body, trickle) instead of the API's, without touching the zone or the budget; null to answer normally again.
    /// </summary>
    public CloudflareHostility? Hostility
    {
        get
        {
            lock (_gate)
            {
                return _hostility;
            }
        }

        set
        {
            lock (_gate)
            {
                _hostility = value;
            }
        }
    }

    /// <summary>Back to a fresh start: no records, no requests logged, budgets full, no injected faults or latency.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _zone.Clear();
            _requests.Clear();
            _budget.Reset();
            _failuresLeft = 0;
            _latency = TimeSpan.Zero;
            _hostility = null;
        }
    }

    /// <summary>Refills every token's budget (a new window) without touching records or the log.</summary>
    public void ResetBudget()
    {
        lock (_gate)
        {
            _budget.Reset();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var latency = Latency;
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, _options.TimeProvider, context.RequestAborted);
        }

        if (Hostility is { } hostility)
        {
            await AnswerHostileAsync(context, hostility);
            return;
        }

        JsonNode? body = null;
        var bodyInvalid = false;
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            try
            {
                body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            }
            catch (JsonException)
            {
                bodyInvalid = true;
            }
        }

        var answer = Decide(context.Request, body, bodyInvalid);
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = answer.ContentType;
        if (answer.RetryAfterSeconds is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        }

        await context.Response.WriteAsync(answer.Body, context.RequestAborted);
    }

    private async Task AnswerHostileAsync(HttpContext context, CloudflareHostility hostility)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        var segments = (path.StartsWith(ApiPrefix + "/", StringComparison.Ordinal) ? path[ApiPrefix.Length..] : "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        string list;
        lock (_gate)
        {
            var (page, resultInfo) = _zone.List(request.Query);
            list = CloudflareJson.Success(CloudflareJson.Records(page, _zone.Id, _zone.Name), resultInfo);

            // Logged as it arrives: a hostile answer may never end (a trickle) or end in a dropped connection.
            _requests.Add(new CloudflareRequest(_options.TimeProvider.GetUtcNow(), request.Method, path, request.QueryString.Value ?? "",
                RouteOf(segments) ?? path, hostility.StatusCode, hostility.StatusCode == 429 ? CloudflareErrorCodes.RateLimited : null));
        }

        try
        {
            await hostility.WriteAsync(context, list, _options.TimeProvider);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The client gave up or dropped the connection: what a hostile answer is for.
        }
    }

    private Answer Decide(HttpRequest request, JsonNode? body, bool bodyInvalid)
    {
        var path = request.Path.Value ?? "";
        var apiPath = path.StartsWith(ApiPrefix + "/", StringComparison.Ordinal) ? path[ApiPrefix.Length..] : null;
        var segments = (apiPath ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        var route = RouteOf(segments) ?? path;
        lock (_gate)
        {
            Answer answer;
            if (_failuresLeft > 0)
            {
                _failuresLeft--;
                answer = new Answer(_failureStatus, "text/html; charset=UTF-8",
                    $"<html><head><title>{_failureStatus} error</title></head><body><center><h1>{_failureStatus}</h1></center><hr><center>cloudflare</center></body></html>\n",
                    null, null);
            }
            else
            {
                try
                {
                    var (status, json, retryAfter) = Dispatch(request, segments, apiPath, body, bodyInvalid);
                    answer = new Answer(status, "application/json", json, retryAfter, null);
                }
                catch (CloudflareApiException e)
                {
                    answer = new Answer(e.StatusCode, "application/json", CloudflareJson.Failure(e), e.StatusCode == 429 ? RetryAfter(e) : null, e.Code);
                }
            }

            _requests.Add(new CloudflareRequest(
                _options.TimeProvider.GetUtcNow(), request.Method, path, request.QueryString.Value ?? "", route, answer.Status, answer.ErrorCode));
            return answer;
        }
    }

    private (int Status, string Json, int? RetryAfter) Dispatch(
        HttpRequest request, string[] segments, string? apiPath, JsonNode? body, bool bodyInvalid)
    {
        if (apiPath is null || segments.Length is < 3 or > 4 || segments[0] != "zones" || segments[2] != "dns_records")
        {
            throw CloudflareApiException.BadRequest(CloudflareErrorCodes.NoRoute, "No route for that URI");
        }

        var token = Authenticate(request);
        if (_budget.TryTake(token) is { } wait)
        {
            throw new RateLimitedException(wait);
        }

        if (segments[1] != _zone.Id)
        {
            throw CloudflareApiException.BadRequest(
                CloudflareErrorCodes.UnknownZone, $"Could not route to /zones/{segments[1]}/dns_records, perhaps your object identifier is invalid?");
        }

        var method = request.Method;
        if (method != HttpMethods.Get && token == _options.ReadOnlyToken)
        {
            throw new CloudflareApiException(403, CloudflareErrorCodes.AuthenticationError, "Authentication error");
        }

        if (bodyInvalid)
        {
            throw CloudflareApiException.BadRequest(CloudflareErrorCodes.InvalidRequestBody, "Request body is invalid.");
        }

        if (segments.Length == 3)
        {
            if (method == HttpMethods.Get)
            {
                var (page, resultInfo) = _zone.List(request.Query);
                return (200, CloudflareJson.Success(CloudflareJson.Records(page, _zone.Id, _zone.Name), resultInfo), null);
            }

            if (method == HttpMethods.Post)
            {
                return (200, RecordResult(_zone.Create(RecordInput.Parse(body))), null);
            }
        }
        else if (segments[3] == "batch" && _options.BatchEndpoint)
        {
            if (method == HttpMethods.Post)
            {
                return (200, CloudflareJson.Success(_zone.Batch(body, _options.MaxBatchSize)), null);
            }
        }
        else
        {
            var id = segments[3];
            if (method == HttpMethods.Get)
            {
                return (200, RecordResult(_zone.Get(id)), null);
            }

            if (method == HttpMethods.Put)
            {
                return (200, RecordResult(_zone.Put(id, RecordInput.Parse(body))), null);
            }

            if (method == HttpMethods.Patch)
            {
                return (200, RecordResult(_zone.Patch(id, RecordInput.Parse(body))), null);
            }

            if (method == HttpMethods.Delete)
            {
                var deleted = _zone.Delete(id);
                return (200, CloudflareJson.Success(new JsonObject { ["id"] = deleted.Id }), null);
            }
        }

        throw new CloudflareApiException(405, CloudflareErrorCodes.MethodNotAllowed, $"Method {method} not allowed for {apiPath}");
    }

    /// <summary>The token of a well-formed, known <c>Authorization: Bearer TOKEN</c> header, else the API's refusal.</summary>
    private string Authenticate(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            throw CloudflareApiException.BadRequest(
                CloudflareErrorCodes.MissingAuthHeaders, "Missing X-Auth-Key, X-Auth-Email or Authorization headers");
        }

        var parts = header.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts is not ["Bearer", _])
        {
            throw new CloudflareApiException(400, CloudflareErrorCodes.InvalidRequestHeaders, "Invalid request headers",
                [(CloudflareErrorCodes.InvalidAuthorizationHeaderFormat, "Invalid format for Authorization header")]);
        }

        var token = parts[1];
        return token == _options.Token || token == _options.ReadOnlyToken
            ? token
            : throw new CloudflareApiException(403, CloudflareErrorCodes.InvalidAccessToken, "Invalid access token");
    }

    private string RecordResult(CloudflareDnsRecord record) =>
        CloudflareJson.Success(CloudflareJson.Record(record, _zone.Id, _zone.Name));

    private static int RetryAfter(CloudflareApiException e) =>
        e is RateLimitedException limited ? (int)Math.Max(1, Math.Ceiling(limited.Wait.TotalSeconds)) : 1;

    private static string? RouteOf(string[] segments) => segments switch
    {
        ["zones", _, "dns_records"] => RecordsRoute,
        ["zones", _, "dns_records", "batch"] => BatchRoute,
        ["zones", _, "dns_records", _] => RecordRoute,
        _ => null,
    };
}

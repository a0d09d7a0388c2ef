using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Admin;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns;
using NeuroPilot.Edge.Forwarding;
using NeuroPilot.Edge.Health;
using NeuroPilot.Edge.Hosting;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Tests.Admin;

/// <summary>
/// The admin API's answers, request by request, without a listener: which paths exist, which methods they take,
/// what needs the token, and the body limit that comes before everything.
/// </summary>
public sealed class AdminEndpointsBehaviourTests : IDisposable
{
    private const string Token = "test-admin-token-5f1c";
    private const string Json = """
        { "Services": { "api": { "Regions": [
            { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001"] },
            { "Name": "eu-west", "Destinations": ["http://127.0.0.1:9002"] } ] } } }
        """;

    private readonly FakeTimeProvider _time = new();
    private readonly EdgeMetrics _metrics = new(EdgeMetrics.CreateRegistry());
    private readonly EdgeRuntime _runtime;
    private readonly HealthAgent _health;
    private readonly DnsReconciler _dns;
    private readonly ConfigReloader _reloader;
    private int _reloads;

    public AdminEndpointsBehaviourTests()
    {
        var builder = new RoutingTableBuilder(_metrics, new UpstreamClients(), _time);
        _runtime = new EdgeRuntime(null, ConfigLoader.Load(Json), Json, builder.Build, EdgeConfigChecks.All, _metrics, _time, NullLogger<EdgeRuntime>.Instance);
        _health = new HealthAgent(_runtime, _metrics, _time, NullLogger<HealthAgent>.Instance);
        _dns = new DnsReconciler(_runtime, _health, _metrics, _time, NullLogger<DnsReconciler>.Instance, _ => throw new InvalidOperationException("no DNS in this test"));
        _reloader = new ConfigReloader(_ => { _reloads++; return ReloadResult.Unchanged; }, null, NullLogger.Instance);
    }

    public void Dispose()
    {
        _reloader.Dispose();
        _dns.Dispose();
        _health.Dispose();
    }

    [Theory]
    [InlineData("GET", "/healthz", 200, "ok\n")]
    [InlineData("HEAD", "/healthz", 200, "ok\n")]
    [InlineData("GET", "/readyz", 200, "ready\n")]
    public async Task Get_ProbeEndpoints_AnswerInPlainText(string method, string path, int status, string body)
    {
        var response = await SendAsync(method, path);

        Assert.Equal((status, body), (response.Status, response.Body));
        Assert.Equal("text/plain; charset=utf-8", response.ContentType);
    }

    [Fact]
    public async Task Get_Status_IsJsonWithEveryService()
    {
        var response = await SendAsync("GET", "/admin/status");

        Assert.Equal(200, response.Status);
        Assert.Equal("application/json", response.ContentType);
        using var json = JsonDocument.Parse(response.Body);
        Assert.Equal("us-east", json.RootElement.GetProperty("services")[0].GetProperty("serving_region").GetString());
        Assert.Equal("disabled", json.RootElement.GetProperty("dns").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Get_Metrics_IsPrometheusText()
    {
        var response = await SendAsync("GET", "/metrics");

        Assert.Equal(200, response.Status);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.ContentType);
        Assert.Contains("neuropilot_edge_", response.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "/")]
    [InlineData("GET", "/nothing")]
    [InlineData("GET", "/healthz/")]
    [InlineData("GET", "/HEALTHZ")]
    [InlineData("GET", "/admin")]
    [InlineData("GET", "/admin/status/x")]
    [InlineData("POST", "/admin/services/api/regions/us-east/pause")]
    [InlineData("POST", "/admin/services//regions/us-east/drain")]
    [InlineData("POST", "/admin/services/api/regions/us-east/drain/")]
    public async Task Request_UnknownPath_Is404WithTheEndpointsToTry(string method, string path)
    {
        var response = await SendAsync(method, path, Token);

        Assert.Equal(404, response.Status);
        Assert.Equal("not found: try /healthz, /readyz, /metrics, /admin/status\n", response.Body);
    }

    [Theory]
    [InlineData("POST", "/healthz", "GET, HEAD")]
    [InlineData("DELETE", "/admin/status", "GET, HEAD")]
    [InlineData("GET", "/admin/reload", "POST")]
    [InlineData("GET", "/admin/dns/force", "POST")]
    [InlineData("PUT", "/admin/services/api/regions/us-east/drain", "POST")]
    public async Task Request_KnownPathWrongMethod_Is405WithAllow(string method, string path, string allow)
    {
        var response = await SendAsync(method, path, Token);

        Assert.Equal(405, response.Status);
        Assert.Equal(allow, response.Allow);
        Assert.Equal(0, _reloads);
        Assert.False(_runtime.Table.Services[0].Regions[0].State.Drained);
    }

    [Theory]
    [InlineData("/admin/reload")]
    [InlineData("/admin/dns/force")]
    [InlineData("/admin/services/api/regions/us-east/drain")]
    [InlineData("/admin/services/api/regions/us-east/undrain")]
    [InlineData("/admin/services/nope/regions/us-east/drain")]
    public async Task Post_AdminWriteWithoutTheToken_Is401WithBearerChallenge(string path)
    {
        var response = await SendAsync("POST", path, token: "not-the-token");

        Assert.Equal(401, response.Status);
        Assert.Equal("Bearer", response.WwwAuthenticate);
        Assert.Equal(0, _reloads);
        Assert.False(_runtime.Table.Services[0].Regions[0].State.Drained);
    }

    [Fact]
    public async Task Post_AdminWriteWithTokenDisabled_Is403()
    {
        var response = await SendAsync("POST", "/admin/services/api/regions/us-east/drain", Token, adminToken: null);

        Assert.Equal(403, response.Status);
        Assert.False(_runtime.Table.Services[0].Regions[0].State.Drained);
    }

    [Fact]
    public async Task Post_DrainThenUndrain_MovesTheServingRegionAndBack()
    {
        var drained = await SendAsync("POST", "/admin/services/api/regions/us-east/drain", Token);

        Assert.Equal((200, "api/us-east drained\n"), (drained.Status, drained.Body));
        Assert.Equal("eu-west", _runtime.Table.Services[0].Health.Serving?.Name);

        var undrained = await SendAsync("POST", "/admin/services/api/regions/US-EAST/undrain", Token);

        Assert.Equal((200, "api/us-east undrained\n"), (undrained.Status, undrained.Body));
        Assert.Equal("us-east", _runtime.Table.Services[0].Health.Serving?.Name);
    }

    [Fact]
    public async Task Post_DrainOfAnEscapedUnknownRegion_Is404NamingItUnescaped()
    {
        var response = await SendAsync("POST", "/admin/services/api/regions/us%2Fwest/drain", Token);

        Assert.Equal((404, "no region \"us/west\" in service \"api\"\n"), (response.Status, response.Body));
    }

    [Fact]
    public async Task Post_Reload_AnswersTheResult()
    {
        _ = _reloader.StartAsync(CancellationToken.None);

        var response = await SendAsync("POST", "/admin/reload", Token);

        Assert.Equal((200, "unchanged\n"), (response.Status, response.Body));
        Assert.Equal(1, _reloads);
        await _reloader.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Post_DnsForceWithoutDnsSection_Is404()
    {
        var response = await SendAsync("POST", "/admin/dns/force", Token);

        Assert.Equal((404, "DNS push is not configured (no Dns section)\n"), (response.Status, response.Body));
    }

    [Fact]
    public async Task Request_BodyOverTheLimit_Is413AndClosesBeforeRoutingOrAuth()
    {
        var response = await SendAsync("POST", "/admin/reload", token: null, contentLength: AdminEndpoints.MaxRequestBodySize + 1);

        Assert.Equal(413, response.Status);
        Assert.Equal("close", response.Connection);
    }

    [Fact]
    public async Task Request_SmallBody_IsAnsweredWithConnectionClose()
    {
        var response = await SendAsync("GET", "/healthz", token: null, contentLength: 10);

        Assert.Equal(200, response.Status);
        Assert.Equal("close", response.Connection);
    }

    private async Task<Answer> SendAsync(string method, string path, string? token = null, long? contentLength = null, string? adminToken = Token)
    {
        var endpoints = new AdminEndpoints(_runtime, _metrics, new AdminToken(adminToken), _dns, _reloader, _health, _time, NullLogger<AdminEndpoints>.Instance);
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = PathString.FromUriComponent(path);
        if (token is not null)
        {
            context.Request.Headers.Authorization = $"Bearer {token}";
        }

        context.Request.ContentLength = contentLength;
        using var body = new MemoryStream();
        context.Response.Body = body;

        await endpoints.InvokeAsync(context);
        await context.Response.BodyWriter.FlushAsync();

        var response = context.Response;
        return new Answer(
            response.StatusCode, Encoding.UTF8.GetString(body.ToArray()), response.ContentType, response.Headers.Allow.ToString(),
            response.Headers.WWWAuthenticate.ToString(), response.Headers.Connection.ToString());
    }

    private sealed record Answer(int Status, string Body, string? ContentType, string Allow, string WwwAuthenticate, string Connection);
}

using System.Net;
using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// Upstreams that break HTTP or would be flooded, against the real edge binary: the client never gets a broken
/// response, the upstream is charged for it, and the edge never opens more connections to a destination than allowed.
/// </summary>
public sealed class UpstreamViolationsTests(ITestOutputHelper output)
{
    private static readonly ScriptedAnswer NoContentWithABody =
        ScriptedAnswer.Raw("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello");

    [Fact]
    public async Task Get_UpstreamAnswers204WithABody_ClientGets502AndTheMetricsSay502()
    {
        using var upstream = ScriptedUpstream.Start(_ => NoContentWithABody);
        using var edge = await EdgeProcess.StartAsync(Config(upstream.Destination));
        using var client = edge.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync("/nothing");
            output.WriteLine($"GET /nothing -> {(int)response.StatusCode}");
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        }

        var metrics = await edge.GetMetricsTextAsync();
        Assert.Equal(3, PrometheusText.Sum(metrics, "neuropilot_edge_requests_total", ("code", "502")));
        Assert.Null(PrometheusText.Sum(metrics, "neuropilot_edge_requests_total", ("code", "204")));
        Assert.Null(PrometheusText.Sum(metrics, "neuropilot_edge_requests_total", ("code", "500")));
    }

    [Fact]
    public async Task Get_PrimaryAnswers204WithABody_IsRetriedOnTheNextRegion()
    {
        using var broken = ScriptedUpstream.Start(_ => NoContentWithABody);
        using var healthy = await UpstreamProcess.StartAsync("eu-west");
        using var edge = await EdgeProcess.StartAsync(Config(broken.Destination, healthy.Destination));
        using var client = edge.CreateClient();

        using var response = await client.GetAsync("/orders/1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("eu-west GET /orders/1\n", await response.Content.ReadAsStringAsync());
        var metrics = await edge.GetMetricsTextAsync();
        Assert.Equal(1, PrometheusText.Sum(metrics, "neuropilot_edge_retries_total", ("reason", "invalid_response")));
    }

    [Fact]
    public async Task Get_UpstreamSwitchesProtocolsUnasked_ClientGets502()
    {
        using var upstream = ScriptedUpstream.Start(_ =>
            ScriptedAnswer.Raw("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: evil\r\n\r\n"));
        using var edge = await EdgeProcess.StartAsync(Config(upstream.Destination));
        using var connection = await RawHttpConnection.ConnectAsync(edge.ProxyUrl);

        await connection.WriteHeadAsync("GET", "/plain", $"Host: {edge.ProxyUrl.Authority}");
        var head = await connection.ReadResponseHeadAsync().WaitAsync(TimeSpan.FromSeconds(10));

        output.WriteLine($"GET /plain (no Upgrade) -> {head.Status}");
        Assert.Equal(502, head.Status);
    }

    [Fact]
    public async Task Get_UpstreamNominatesAResponseHeaderInConnection_TheHeaderStopsAtTheEdge()
    {
        using var upstream = ScriptedUpstream.Start(_ => ScriptedAnswer.Raw(
            "HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Secret\r\nX-Secret: leak\r\nX-Public: kept\r\nContent-Length: 2\r\n\r\nok"));
        using var edge = await EdgeProcess.StartAsync(Config(upstream.Destination));
        using var client = edge.CreateClient();

        using var response = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("kept", Assert.Single(response.Headers.GetValues("X-Public")));
        Assert.False(response.Headers.Contains("X-Secret"), "X-Secret, nominated by the upstream's Connection header, reached the client");
    }

    [Fact]
    public async Task ManyConcurrentRequests_MaxConnectionsPerDestination_IsNeverExceeded()
    {
        const int Cap = 4;
        const int Requests = 40;
        using var upstream = ScriptedUpstream.Start(_ => ScriptedAnswer.Text(200, "slow\n", TimeSpan.FromMilliseconds(200)));
        using var edge = await EdgeProcess.StartAsync(Config(upstream.Destination, extras: $"\"MaxConnectionsPerDestination\": {Cap}"));
        using var client = edge.CreateClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, Requests).Select(async i =>
        {
            using var response = await client.GetAsync($"/slow/{i}");
            return response.StatusCode;
        }));

        output.WriteLine($"{Requests} concurrent requests: {responses.Count(s => s == HttpStatusCode.OK)} x 200; upstream saw " +
            $"{upstream.Connections} connections, at most {upstream.MaxOpenConnections} open at once (cap {Cap}, +1 for the prober)");
        Assert.All(responses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.InRange(upstream.MaxOpenConnections, 1, Cap + 1);
    }

    /// <summary>One service, regions us-east (and eu-west when given) on the given destinations; probes every 10 s.</summary>
    private static string Config(string usEast, string? euWest = null, string extras = "")
    {
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        var second = euWest is null ? "" : $$""", { "Name": "eu-west", "Destinations": ["{{euWest}}"] }""";
        var more = extras.Length == 0 ? "" : $", {extras}";
        return $$"""
            {
              "Edge":  { "Listen": ["http://127.0.0.1:{{proxyPort}}"], "Admin": { "Listen": "http://127.0.0.1:{{adminPort}}" } },
              "Services": {
                "api": {
                  "Regions": [ { "Name": "us-east", "Destinations": ["{{usEast}}"] }{{second}} ],
                  "HealthCheck": { "Path": "/healthz", "Interval": "00:00:10", "Timeout": "00:00:02" }{{more}}
                }
              }
            }
            """;
    }
}

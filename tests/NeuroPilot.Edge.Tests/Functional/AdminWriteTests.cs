using System.Net;
using System.Net.Http.Headers;
using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>Admin writes (region drain) need the bearer token of <c>NEUROPILOT_EDGE_ADMIN_TOKEN</c>.</summary>
public sealed class AdminWriteTests(ITestOutputHelper output)
{
    private const string Token = "test-admin-token-5f1c";
    private const string DrainUsEast = "/admin/services/api/regions/us-east/drain";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Drain_WithTheRightToken_MovesTrafficToTheNextRegionAndWithoutItIs401()
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        using var edge = await EdgeProcess.StartAsync(
            EdgeConfigText.SingleService(proxyPort, adminPort, upstreams.All),
            new Dictionary<string, string?> { ["NEUROPILOT_EDGE_ADMIN_TOKEN"] = Token });
        using var client = edge.CreateClient();

        using (var noToken = await PostAsync(edge, DrainUsEast, token: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        }

        using (var wrongToken = await PostAsync(edge, DrainUsEast, token: "not-the-token"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrongToken.StatusCode);
        }

        Assert.Equal("us-east", await RegionOfAsync(client));

        using (var drained = await PostAsync(edge, DrainUsEast, Token))
        {
            output.WriteLine($"drain: {(int)drained.StatusCode} {await drained.Content.ReadAsStringAsync()}");
            Assert.Equal(HttpStatusCode.OK, drained.StatusCode);
        }

        await Eventually.WaitUntilAsync(async () => await RegionOfAsync(client) == "eu-west", Deadline, "GET answered by eu-west");
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("eu-west", await RegionOfAsync(client));
        }

        var service = (await edge.GetStatusJsonAsync()).GetProperty("services")[0];
        Assert.Equal("eu-west", service.GetProperty("serving_region").GetString());
        Assert.True(service.GetProperty("regions")[0].GetProperty("drained").GetBoolean());
    }

    [Fact]
    public async Task Drain_WithTheTokenVariableUnset_Is403AndChangesNothing()
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        using var edge = await EdgeProcess.StartAsync(
            EdgeConfigText.SingleService(proxyPort, adminPort, upstreams.All),
            new Dictionary<string, string?> { ["NEUROPILOT_EDGE_ADMIN_TOKEN"] = null });
        using var client = edge.CreateClient();

        using var response = await PostAsync(edge, DrainUsEast, Token);

        output.WriteLine($"drain: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("us-east", await RegionOfAsync(client));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AdminPost_HugeBodyWithoutToken_IsAnsweredAndTheConnectionClosedPromptly(bool chunked)
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        using var edge = await EdgeProcess.StartAsync(
            EdgeConfigText.SingleService(proxyPort, adminPort, upstreams.All),
            new Dictionary<string, string?> { ["NEUROPILOT_EDGE_ADMIN_TOKEN"] = null, ["NEUROPILOT_EDGE_ADMIN_TOKEN_FILE"] = null });
        using var connection = await RawHttpConnection.ConnectAsync(edge.AdminUrl);

        // An 8 GB upload announced, sent as fast as the edge takes it.
        await connection.WriteHeadAsync("POST", "/admin/reload", $"Host: {edge.AdminUrl.Authority}",
            chunked ? "Transfer-Encoding: chunked" : "Content-Length: 8589934592");
        using var stopSending = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var sending = SendUntilRefusedAsync(connection, chunked, stopSending.Token);
        var started = TimeProvider.System.GetTimestamp();
        var head = await connection.ReadResponseHeadAsync().WaitAsync(Deadline);
        var answered = TimeProvider.System.GetElapsedTime(started);
        var closedIn = TimeSpan.Zero;
        try
        {
            await connection.ReadUntilClosedAsync().WaitAsync(TimeSpan.FromSeconds(2));
            closedIn = TimeProvider.System.GetElapsedTime(started);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"answered {head.Status} in {answered.TotalMilliseconds:0} ms, but the connection was still open 2 s later (the edge drains the body)");
        }
        finally
        {
            await stopSending.CancelAsync();
        }

        var sent = await sending;
        output.WriteLine($"answered {head.Status} in {answered.TotalMilliseconds:0} ms; connection closed after {closedIn.TotalMilliseconds:0} ms; {sent / 1024} KiB of body sent meanwhile");
        Assert.True(head.Status is 403 or 413, $"status {head.Status}");
        Assert.Equal("close", head.Header("Connection"));
    }

    private static async Task<long> SendUntilRefusedAsync(RawHttpConnection connection, bool chunked, CancellationToken stop)
    {
        var block = new byte[64 * 1024];
        long sent = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await (chunked ? connection.WriteChunkAsync(block) : connection.WriteAsync(block)).WaitAsync(stop);
                sent += block.Length;
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The edge closed the connection (or the test ended): stop sending.
        }

        return sent;
    }

    private static Task<HttpResponseMessage> PostAsync(EdgeProcess edge, string path, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return edge.SendAdminAsync(request);
    }

    private static async Task<string?> RegionOfAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/");
        response.EnsureSuccessStatusCode();
        return response.Headers.TryGetValues("X-Upstream-Region", out var values) ? values.Single() : null;
    }
}

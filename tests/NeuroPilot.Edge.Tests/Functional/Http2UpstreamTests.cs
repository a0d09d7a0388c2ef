using System.Net;
using NeuroPilot.Edge.Tests.TestKit;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>A service whose destinations speak only HTTP/2 over cleartext (h2c with prior knowledge).</summary>
public sealed class Http2UpstreamTests
{
    [Fact]
    public async Task Get_ServiceWithUpstreamHttpVersionHttp2_ReachesAnH2cOnlyUpstream()
    {
        using var upstream = await UpstreamProcess.StartAsync("us-east", http2: true);
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        using var edge = await EdgeProcess.StartAsync(
            EdgeConfigText.SingleService(proxyPort, adminPort, [upstream], serviceExtras: "\"UpstreamHttpVersion\": \"http2\""));
        using var client = edge.CreateClient();

        for (var i = 0; i < 10; i++)
        {
            using var response = await client.GetAsync($"/h2/{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal($"us-east GET /h2/{i}\n", await response.Content.ReadAsStringAsync());
        }

        var payload = new byte[256 * 1024];
        new Random(7).NextBytes(payload);
        using var echo = await client.PostAsync("/echo", new ByteArrayContent(payload));
        Assert.Equal(HttpStatusCode.OK, echo.StatusCode);
        Assert.Equal(payload, await echo.Content.ReadAsByteArrayAsync());
    }
}

using System.Net;
using NeuroPilot.Edge.Tests.TestKit;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>Several services on one edge, told apart by the request's Host.</summary>
public sealed class HostRoutingTests
{
    [Fact]
    public async Task Get_TwoServicesByHost_ReachTheirOwnUpstreamAndUnknownHostGets404()
    {
        using var upstreams = await UpstreamGroup.StartAsync("a-region", "b-region");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        using var edge = await EdgeProcess.StartAsync($$"""
            {
              "Edge": { "Listen": ["http://127.0.0.1:{{proxyPort}}"], "Admin": { "Listen": "http://127.0.0.1:{{adminPort}}" } },
              "Services": {
                "a": { "Hosts": ["a.test"], "Regions": [ { "Name": "a-region", "Destinations": ["{{upstreams["a-region"].Destination}}"] } ] },
                "b": { "Hosts": ["b.test"], "Regions": [ { "Name": "b-region", "Destinations": ["{{upstreams["b-region"].Destination}}"] } ] }
              }
            }
            """);
        using var client = edge.CreateClient();

        foreach (var (host, region) in new[] { ("a.test", "a-region"), ("b.test", "b-region"), ("A.TEST", "a-region"), ($"b.test:{proxyPort}", "b-region") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami") { Headers = { Host = host } };
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal($"{region} GET /whoami\n", await response.Content.ReadAsStringAsync());
        }

        using var unknown = new HttpRequestMessage(HttpMethod.Get, "/whoami") { Headers = { Host = "c.test" } };
        using var notFound = await client.SendAsync(unknown);
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.False(notFound.Headers.Contains("X-Upstream-Region"));
    }
}

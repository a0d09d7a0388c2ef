using System.Net;
using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>the README's minimal config, three real upstream regions, the real edge binary.</summary>
public sealed class MinimalConfigTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Get_DesignMinimalConfigWithThreeRegions_IsAnsweredByThePrimary()
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west", "ap-south");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(proxyPort, adminPort, upstreams.All));
        using var client = edge.CreateClient();

        for (var i = 0; i < 20; i++)
        {
            using var response = await client.GetAsync($"/orders/{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("us-east", Assert.Single(response.Headers.GetValues("X-Upstream-Region")));
            Assert.Equal($"us-east GET /orders/{i}\n", await response.Content.ReadAsStringAsync());
        }

        var metrics = await edge.GetMetricsTextAsync();
        var primary = PrometheusText.Sum(metrics, "neuropilot_edge_requests_total", ("service", "api"), ("region", "us-east"));
        output.WriteLine($"neuropilot_edge_requests_total{{service=\"api\",region=\"us-east\"}} = {primary}");
        Assert.Equal(20, primary);
        var replicas = (PrometheusText.Sum(metrics, "neuropilot_edge_requests_total", ("region", "eu-west")) ?? 0) +
            (PrometheusText.Sum(metrics, "neuropilot_edge_requests_total", ("region", "ap-south")) ?? 0);
        Assert.Equal(0, replicas);

        var status = await edge.GetStatusJsonAsync();
        var service = Assert.Single(status.GetProperty("services").EnumerateArray());
        Assert.Equal("api", service.GetProperty("name").GetString());
        Assert.Equal("us-east", service.GetProperty("serving_region").GetString());
        Assert.Equal(
            ["us-east", "eu-west", "ap-south"],
            service.GetProperty("regions").EnumerateArray().Select(r => r.GetProperty("name").GetString()));
    }
}

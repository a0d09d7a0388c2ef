using System.Diagnostics;
using System.Net;
using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>Readiness must come back without traffic (issue 10 item 3): a pod out of its Service gets no trial requests.</summary>
public sealed class ReadinessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task EveryRegionFailedThenMended_NoTrafficAtAll_ReadyAgainOnProbesAlone()
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west", "ap-south");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(proxyPort, adminPort, upstreams.All,
            serviceExtras: "\"CircuitBreaker\": { \"BreakDuration\": \"2s\" }"));
        await edge.WaitUntilReadyAsync(TimeSpan.FromSeconds(10));

        // Every region answers 503 until every breaker is open: the edge is not ready.
        foreach (var upstream in upstreams.All)
        {
            await upstream.SetFaultAsync("503");
        }

        using var client = edge.CreateClient();
        await Eventually.WaitUntilAsync(
            async () =>
            {
                using var response = await client.GetAsync("/x");
                return !await IsReadyAsync(edge);
            },
            TimeSpan.FromSeconds(10),
            "every breaker open and /readyz 503");

        // Mended, and from now on not a single request: only probes can bring readiness back.
        foreach (var upstream in upstreams.All)
        {
            await upstream.SetFaultAsync("none");
        }

        var clock = Stopwatch.StartNew();
        await Eventually.WaitUntilAsync(() => IsReadyAsync(edge), TimeSpan.FromSeconds(20), "/readyz 200 again without traffic");
        var ready = clock.Elapsed;
        var breakers = new List<string>();
        await Eventually.WaitUntilAsync(
            async () =>
            {
                var status = await edge.GetStatusJsonAsync();
                breakers = [.. status.GetProperty("services")[0].GetProperty("regions").EnumerateArray().SelectMany(r =>
                    r.GetProperty("destinations").EnumerateArray().Select(d => $"{r.GetProperty("name").GetString()}={d.GetProperty("breaker").GetString()}"))];
                return status.GetProperty("services")[0].GetProperty("serving_region").GetString() == "us-east" &&
                       breakers.All(b => b.EndsWith("=closed", StringComparison.Ordinal));
            },
            TimeSpan.FromSeconds(20),
            () => $"every breaker closed and the primary serving, without traffic (now {string.Join(", ", breakers)})");
        output.WriteLine($"ready again {ready.TotalSeconds:0.0} s after the regions were mended, every breaker closed and us-east " +
            $"serving after {clock.Elapsed.TotalSeconds:0.0} s, with no traffic");
    }

    private static async Task<bool> IsReadyAsync(EdgeProcess edge)
    {
        using var response = await edge.SendAdminAsync(new HttpRequestMessage(HttpMethod.Get, "/readyz"));
        return response.StatusCode == HttpStatusCode.OK;
    }
}

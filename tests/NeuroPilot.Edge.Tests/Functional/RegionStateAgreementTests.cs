using System.Diagnostics;
using System.Net;
using System.Text.Json;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Dns;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// Region state has one owner (issue 12): the health agent decides whether a region is usable and publishes it;
/// routing, <c>/readyz</c>, <c>/admin/status</c> and the DNS reconciler read that one decision. The real edge (with a
/// Cloudflare emulator for DNS) is driven through a drain, an open breaker, probes down and recovery; at each step
/// the four readers must come to the same view.
/// </summary>
public sealed class RegionStateAgreementTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StepDeadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Region_ThroughDrainBreakerProbesAndRecovery_RoutingReadinessStatusAndDnsAgreeAtEachStep()
    {
        await using var cloudflare = await CloudflareEmulator.StartAsync();
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west");
        const string token = "agreement-test-token";
        var dns = $$"""
            "Dns": {
              "Provider": "cloudflare", "OwnerId": "edge-fleet-1", "Interval": "1s", "DownHoldTime": "1s", "UpHoldTime": "1s",
              "Records": [ { "Name": "api.example.com", "Type": "A", "Ttl": 60, "Service": "api",
                             "Regions": { "us-east": ["198.51.100.10"], "eu-west": ["198.51.100.20"] } } ],
              "Cloudflare": { "ZoneId": "{{cloudflare.ZoneId}}", "ApiBaseUrl": "{{cloudflare.BaseUrl}}" }
            }
            """;
        using var edge = await DnsTestEdge.StartAsync(upstreams, dns, new Dictionary<string, string?>
        {
            ["CLOUDFLARE_API_TOKEN"] = cloudflare.Token,
            ["NEUROPILOT_EDGE_ADMIN_TOKEN"] = token,
        });
        using var client = edge.CreateClient();
        var (usEast, euWest) = (upstreams["us-east"], upstreams["eu-west"]);

        await ExpectAsync(edge, client, "all healthy", "us-east", ["us-east", "eu-west"]);

        await AdminPostAsync(edge, token, "/admin/services/api/regions/us-east/drain");
        await ExpectAsync(edge, client, "us-east drained", "eu-west", ["eu-west"]);

        await AdminPostAsync(edge, token, "/admin/services/api/regions/us-east/undrain");
        await ExpectAsync(edge, client, "us-east undrained", "us-east", ["us-east", "eu-west"]);

        // us-east answers 503: its breaker opens (requests are retried on eu-west meanwhile).
        await usEast.SetFaultAsync("503");
        await ExpectAsync(edge, client, "us-east breaker open", "eu-west", ["eu-west"], drive: true);

        await usEast.SetFaultAsync("none");
        await ExpectAsync(edge, client, "us-east mended (breaker closes)", "us-east", ["us-east", "eu-west"], drive: true);

        await usEast.KillAsync();
        await ExpectAsync(edge, client, "us-east killed (probes down)", "eu-west", ["eu-west"]);

        await euWest.KillAsync();
        await ExpectAsync(edge, client, "every region down", null, []);

        await usEast.RestartAsync();
        await euWest.RestartAsync();
        await ExpectAsync(edge, client, "both back", "us-east", ["us-east", "eu-west"]);
    }

    /// <summary>
    /// Waits until every reader shows <paramref name="serving"/> and <paramref name="usable"/>, then prints and checks
    /// them together: the region a request goes to, <c>/readyz</c>, status (serving and usable) and DNS (live).
    /// </summary>
    private async Task ExpectAsync(EdgeProcess edge, HttpClient client, string step, string? serving, string[] usable, bool drive = false)
    {
        var clock = Stopwatch.StartNew();
        View? view = null;
        await Eventually.WaitUntilAsync(
            async () =>
            {
                if (drive)
                {
                    // Traffic is what opens and closes breakers.
                    using var _ = await client.GetAsync("/drive");
                }

                view = await ReadAsync(edge, client);
                return view.Serving == serving && view.Usable.SetEquals(usable) && view.DnsLive.SetEquals(usable) &&
                       view.Ready == (serving is not null) && (serving is null || view.RoutedTo == serving);
            },
            StepDeadline,
            () => $"{step}: every reader to show serving {serving ?? "none"} and usable [{string.Join(", ", usable)}] (last: {view})");

        output.WriteLine($"{step}: all four agree after {clock.ElapsedMilliseconds} ms: {view}");
        Assert.Equal(view!.Usable, view.DnsLive);
    }

    private static async Task<View> ReadAsync(EdgeProcess edge, HttpClient client)
    {
        var status = await edge.GetStatusJsonAsync();
        var service = status.GetProperty("services")[0];
        var usable = service.GetProperty("regions").EnumerateArray()
            .Where(r => r.GetProperty("usable").GetBoolean()).Select(r => r.GetProperty("name").GetString()!).ToHashSet();
        var dnsLive = status.GetProperty("dns").TryGetProperty("regions", out var regions)
            ? regions.EnumerateArray().Where(r => r.GetProperty("live").ValueKind == JsonValueKind.True).Select(r => r.GetProperty("region").GetString()!).ToHashSet()
            : [];
        using var readyz = await edge.SendAdminAsync(new HttpRequestMessage(HttpMethod.Get, "/readyz"));
        string? routedTo = null;
        try
        {
            using var response = await client.GetAsync("/which");
            routedTo = response.Headers.TryGetValues("X-Upstream-Region", out var values) ? values.First() : $"({(int)response.StatusCode})";
        }
        catch (HttpRequestException e)
        {
            routedTo = $"({e.HttpRequestError})";
        }

        return new View(service.GetProperty("serving_region").GetString(), usable, dnsLive, readyz.StatusCode == HttpStatusCode.OK, routedTo);
    }

    private static async Task AdminPostAsync(EdgeProcess edge, string token, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await edge.SendAdminAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private sealed record View(string? Serving, HashSet<string> Usable, HashSet<string> DnsLive, bool Ready, string? RoutedTo)
    {
        public override string ToString() =>
            $"routing -> {RoutedTo}, /readyz {(Ready ? 200 : 503)}, status serving {Serving ?? "none"} usable [{string.Join(", ", Usable.Order())}], " +
            $"DNS live [{string.Join(", ", DnsLive.Order())}]";
    }
}

using System.Net;
using System.Net.Http.Headers;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Etcd;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// Real edges in a fleet over a real 3-member etcd: each publishes its region views under its lease and
/// <c>GET /admin/fleet</c> shows every live member's; a killed edge's views vanish within the lease TTL.
/// </summary>
public sealed class FleetTests(ITestOutputHelper output)
{
    private const string Token = "fleet-test-token";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task AdminFleet_TwoEdges_EachSeesTheOthersViews_AndAKilledEdgeVanishesWithinTheTtl()
    {
        using var etcd = await EtcdCluster.StartAsync();
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west");
        using var edgeA = await StartEdgeAsync("edge-a", etcd, upstreams);
        var edgeB = await StartEdgeAsync("edge-b", etcd, upstreams);
        try
        {
            await Eventually.WaitUntilAsync(async () => (await MembersAsync(edgeA)).SetEquals(["edge-a", "edge-b"]), Deadline, "edge-a lists edge-a and edge-b");

            using (var drain = new HttpRequestMessage(HttpMethod.Post, "/admin/services/api/regions/us-east/drain"))
            {
                drain.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
                using var drained = await edgeB.SendAdminAsync(drain);
                Assert.Equal(HttpStatusCode.OK, drained.StatusCode);
            }

            // The drain is the fleet's: edge-a follows it, and each edge's published view says so.
            await Eventually.WaitUntilAsync(async () => await ReasonAsync(edgeA, "edge-b", "us-east") == "drained", Deadline, "edge-a sees edge-b's us-east drained");
            await Eventually.WaitUntilAsync(async () => await ReasonAsync(edgeA, "edge-a", "us-east") == "drained", Deadline, "edge-a's own view says us-east drained");

            var killed = TimeProvider.System.GetTimestamp();
            edgeB.Dispose(); // SIGKILL: no lease revoke, the TTL must end it
            await Eventually.WaitUntilAsync(async () => (await MembersAsync(edgeA)).SetEquals(["edge-a"]), TimeSpan.FromSeconds(6), "edge-b vanishes from edge-a's fleet view");
            output.WriteLine($"edge-b gone from edge-a's view {TimeProvider.System.GetElapsedTime(killed).TotalMilliseconds:0} ms after SIGKILL (lease TTL 2 s, view read every 0.5 s)");
            var fleet = await FleetTestEdge.FleetAsync(edgeA);
            Assert.True(fleet.GetProperty("enabled").GetBoolean());
            Assert.Equal("connected", fleet.GetProperty("etcd").GetString());
            Assert.Equal("connected", fleet.GetProperty("view_state").GetString());
            var metrics = await edgeA.GetMetricsTextAsync();
            Assert.Contains("neuropilot_edge_fleet_etcd_up 1", metrics, StringComparison.Ordinal);
            Assert.Contains("neuropilot_edge_fleet_members 1", metrics, StringComparison.Ordinal);
        }
        finally
        {
            edgeB.Dispose();
            output.WriteLine($"edge-a output:\n{edgeA.Output.Tail(20)}");
        }
    }

    [Fact]
    public async Task Drain_ThroughOneEdge_IsFollowedByTheOther_AndARestartedEdgeComesUpDrained()
    {
        using var etcd = await EtcdCluster.StartAsync();
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west");
        using var edgeA = await StartEdgeAsync("edge-a", etcd, upstreams);
        var edgeB = await StartEdgeAsync("edge-b", etcd, upstreams);
        try
        {
            await edgeB.WaitUntilReadyAsync(Deadline);
            using (var drained = await DrainAsync(edgeA, "drain", "alice"))
            {
                Assert.Equal(HttpStatusCode.OK, drained.StatusCode);
                Assert.Contains("for the whole fleet", await drained.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            var drainedAt = TimeProvider.System.GetTimestamp();
            Assert.True(await DrainedAsync(edgeA), "the edge the drain went through drains at once");
            await Eventually.WaitUntilAsync(() => DrainedAsync(edgeB), TimeSpan.FromSeconds(3), "edge-b follows the drain");
            Assert.Contains("neuropilot_edge_fleet_drains_followed_total 1", await edgeB.GetMetricsTextAsync(), StringComparison.Ordinal);
            output.WriteLine($"edge-b followed the drain {TimeProvider.System.GetElapsedTime(drainedAt).TotalMilliseconds:0} ms after edge-a answered");

            edgeB.Dispose();
            edgeB = await StartEdgeAsync("edge-b", etcd, upstreams);
            await edgeB.WaitUntilReadyAsync(Deadline);
            Assert.True(await DrainedAsync(edgeB), "a restarted edge is drained by the time it is ready");

            using (var undrained = await DrainAsync(edgeB, "undrain", "bob"))
            {
                Assert.Equal(HttpStatusCode.OK, undrained.StatusCode);
            }

            await Eventually.WaitUntilAsync(async () => !await DrainedAsync(edgeA), TimeSpan.FromSeconds(3), "edge-a follows the undrain made through edge-b");
        }
        finally
        {
            edgeB.Dispose();
            output.WriteLine($"edge-a output:\n{edgeA.Output.Tail(20)}");
        }
    }

    [Fact]
    public async Task Drain_EtcdDown_Is503AndChangesNothing()
    {
        var etcd = await EtcdCluster.StartAsync();
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west");
        using var edge = await StartEdgeAsync("edge-a", etcd, upstreams);
        await edge.WaitUntilReadyAsync(Deadline);
        etcd.Dispose();

        using var refused = await DrainAsync(edge, "drain", "alice");

        var text = await refused.Content.ReadAsStringAsync();
        output.WriteLine(text);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("not drained: the fleet's etcd did not record it", text, StringComparison.Ordinal);
        Assert.False(await DrainedAsync(edge));
        using var client = edge.CreateClient();
        using var proxied = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, proxied.StatusCode); // proxying goes on without etcd
    }

    [Fact]
    public async Task Reload_RemovingAService_ItsViewLeavesTheFleet()
    {
        using var etcd = await EtcdCluster.StartAsync();
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west");
        var ports = FreePorts.Take(2);
        var withWeb = FleetConfig("edge-a", etcd, EdgeConfigText.SingleService(ports[0], ports[1], upstreams.All).Replace(
            "\"api\": {", $$"""
            "web": { "PathPrefix": "/web", "Regions": [ { "Name": "us-east", "Destinations": ["{{upstreams["us-east"].Destination}}"] } ] },
                "api": {
            """, StringComparison.Ordinal));
        using var edge = await EdgeProcess.StartAsync(withWeb, new Dictionary<string, string?> { ["NEUROPILOT_EDGE_ADMIN_TOKEN"] = Token });
        await Eventually.WaitUntilAsync(async () => (await ServicesAsync(edge, "edge-a")).SetEquals(["api", "web"]), Deadline, "edge-a publishes views of api and web");

        var reloaded = TimeProvider.System.GetTimestamp();
        edge.RewriteConfig(FleetConfig("edge-a", etcd, EdgeConfigText.SingleService(ports[0], ports[1], upstreams.All)));

        var views = new HashSet<string>();
        await Eventually.WaitUntilAsync(async () => (views = await ServicesAsync(edge, "edge-a")).SetEquals(["api"]), Deadline,
            () => $"web's view leaves the fleet once a reload removed web (views now: {string.Join(", ", views)})");
        output.WriteLine($"web's view gone from etcd {TimeProvider.System.GetElapsedTime(reloaded).TotalMilliseconds:0} ms after the config was rewritten");
        Assert.Contains("service web is no longer configured; its view is deleted from etcd", edge.Output.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminFleet_NoFleetSection_SaysNotEnabled()
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east");
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(FreePorts.Next(), FreePorts.Next(), upstreams.All));

        var fleet = await FleetTestEdge.FleetAsync(edge);

        Assert.False(fleet.GetProperty("enabled").GetBoolean());
        Assert.Equal(0, fleet.GetProperty("members").GetArrayLength());
        // No samples (the families' HELP and TYPE lines are there, as for every metric not yet set).
        Assert.DoesNotContain((await edge.GetMetricsTextAsync()).Split('\n'), line => line.StartsWith("neuropilot_edge_fleet_", StringComparison.Ordinal));
    }

    private static Task<EdgeProcess> StartEdgeAsync(string edgeId, EtcdCluster etcd, UpstreamGroup upstreams) =>
        EdgeProcess.StartAsync(FleetConfig(edgeId, etcd, EdgeConfigText.SingleService(FreePorts.Next(), FreePorts.Next(), upstreams.All)),
            new Dictionary<string, string?> { ["NEUROPILOT_EDGE_ADMIN_TOKEN"] = Token });

    /// <summary><paramref name="config"/> with a <c>Fleet</c> section for <paramref name="edgeId"/> on <paramref name="etcd"/>.</summary>
    private static string FleetConfig(string edgeId, EtcdCluster etcd, string config)
    {
        var endpoints = string.Join(", ", etcd.ClientUrls.Select(u => $"\"{u}\""));
        return config.TrimEnd().TrimEnd('}') + $$"""
            , "Fleet": { "Etcd": { "Endpoints": [{{endpoints}}] }, "Prefix": "/fleet-test/", "EdgeId": "{{edgeId}}", "LeaseTtl": "2s" } }
            """;
    }

    /// <summary>The services <paramref name="edgeId"/> has views of in etcd, as <paramref name="edge"/> last read them.</summary>
    private static async Task<HashSet<string>> ServicesAsync(EdgeProcess edge, string edgeId)
    {
        foreach (var member in (await FleetTestEdge.FleetAsync(edge)).GetProperty("members").EnumerateArray())
        {
            if (member.GetProperty("edge_id").GetString() == edgeId)
            {
                return [.. member.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("service").GetString()!)];
            }
        }

        return [];
    }

    private static Task<HttpResponseMessage> DrainAsync(EdgeProcess edge, string action, string who)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/admin/services/api/regions/us-east/{action}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        request.Headers.Add("X-Operator", who);
        return edge.SendAdminAsync(request);
    }

    private static async Task<bool> DrainedAsync(EdgeProcess edge)
    {
        var status = await edge.GetStatusJsonAsync();
        var api = status.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "api");
        return api.GetProperty("regions").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "us-east").GetProperty("drained").GetBoolean();
    }

    private static async Task<HashSet<string>> MembersAsync(EdgeProcess edge) =>
        [.. (await FleetTestEdge.FleetAsync(edge)).GetProperty("members").EnumerateArray().Select(m => m.GetProperty("edge_id").GetString()!)];

    private static async Task<string?> ReasonAsync(EdgeProcess edge, string edgeId, string region)
    {
        foreach (var member in (await FleetTestEdge.FleetAsync(edge)).GetProperty("members").EnumerateArray())
        {
            if (member.GetProperty("edge_id").GetString() == edgeId)
            {
                var api = member.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("service").GetString() == "api");
                return api.GetProperty("regions").EnumerateArray().Single(r => r.GetProperty("region").GetString() == region).GetProperty("reason").GetString();
            }
        }

        return null;
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
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
    public async Task AdminFleet_TwoEdges_EachSeesTheOtherAndALocalDrain_AndAKilledEdgeVanishesWithinTheTtl()
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

            await Eventually.WaitUntilAsync(async () => await ReasonAsync(edgeA, "edge-b", "us-east") == "drained", Deadline, "edge-a sees edge-b's us-east drained");
            Assert.Equal("usable", await ReasonAsync(edgeA, "edge-a", "us-east")); // a drain is still local to the edge (shared drains are to come)

            var killed = TimeProvider.System.GetTimestamp();
            edgeB.Dispose(); // SIGKILL: no lease revoke, the TTL must end it
            await Eventually.WaitUntilAsync(async () => (await MembersAsync(edgeA)).SetEquals(["edge-a"]), TimeSpan.FromSeconds(6), "edge-b vanishes from edge-a's fleet view");
            output.WriteLine($"edge-b gone from edge-a's view {TimeProvider.System.GetElapsedTime(killed).TotalMilliseconds:0} ms after SIGKILL (lease TTL 2 s, view read every 1 s)");
            var fleet = await FleetAsync(edgeA);
            Assert.True(fleet.GetProperty("enabled").GetBoolean());
            Assert.Equal("connected", fleet.GetProperty("etcd").GetString());
            Assert.Equal("connected", fleet.GetProperty("view_state").GetString());
        }
        finally
        {
            edgeB.Dispose();
            output.WriteLine($"edge-a output:\n{edgeA.Output.Tail(20)}");
        }
    }

    [Fact]
    public async Task AdminFleet_NoFleetSection_SaysNotEnabled()
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east");
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(FreePorts.Next(), FreePorts.Next(), upstreams.All));

        var fleet = await FleetAsync(edge);

        Assert.False(fleet.GetProperty("enabled").GetBoolean());
        Assert.Equal(0, fleet.GetProperty("members").GetArrayLength());
    }

    private static Task<EdgeProcess> StartEdgeAsync(string edgeId, EtcdCluster etcd, UpstreamGroup upstreams)
    {
        var endpoints = string.Join(", ", etcd.ClientUrls.Select(u => $"\"{u}\""));
        var config = EdgeConfigText.SingleService(FreePorts.Next(), FreePorts.Next(), upstreams.All).TrimEnd().TrimEnd('}') + $$"""
            , "Fleet": { "Etcd": { "Endpoints": [{{endpoints}}] }, "Prefix": "/fleet-test/", "EdgeId": "{{edgeId}}", "LeaseTtl": "2s" } }
            """;
        return EdgeProcess.StartAsync(config, new Dictionary<string, string?> { ["NEUROPILOT_EDGE_ADMIN_TOKEN"] = Token });
    }

    private static async Task<JsonElement> FleetAsync(EdgeProcess edge)
    {
        using var response = await edge.SendAdminAsync(new HttpRequestMessage(HttpMethod.Get, "/admin/fleet"));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    private static async Task<HashSet<string>> MembersAsync(EdgeProcess edge) =>
        [.. (await FleetAsync(edge)).GetProperty("members").EnumerateArray().Select(m => m.GetProperty("edge_id").GetString()!)];

    private static async Task<string?> ReasonAsync(EdgeProcess edge, string edgeId, string region)
    {
        foreach (var member in (await FleetAsync(edge)).GetProperty("members").EnumerateArray())
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

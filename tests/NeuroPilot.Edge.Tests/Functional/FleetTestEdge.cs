using System.Text.Json;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Dns;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// What the fleet functional tests share: an edge of a DNS-writing fleet (the <see cref="DnsTestEdge"/> service, one
/// failover record <c>api.example.com A</c> on the Cloudflare emulator, a <c>Fleet</c> section), reading
/// <c>/admin/fleet</c> and the DNS part of <c>/admin/status</c>, and what the emulator holds.
/// </summary>
internal static class FleetTestEdge
{
    public const string UsEast = "198.51.100.10";
    public const string EuWest = "198.51.100.20";
    public static readonly string[] Regions = ["us-east", "eu-west"];
    public static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan DownHold = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan UpHold = TimeSpan.FromSeconds(4);

    /// <summary>
    /// Starts an edge of the fleet under <paramref name="prefix"/> that reaches etcd at <paramref name="etcdUrls"/> and
    /// writes, when it leads, <c>api.example.com A</c> (us-east <see cref="UsEast"/>, else eu-west <see cref="EuWest"/>)
    /// to <paramref name="cloudflare"/>, with the hold times above and a 2 s lease.
    /// </summary>
    public static Task<EdgeProcess> StartAsync(string edgeId, IEnumerable<string> etcdUrls, string prefix, CloudflareEmulator cloudflare, UpstreamGroup upstreams)
    {
        var endpoints = string.Join(", ", etcdUrls.Select(u => $"\"{u}\""));
        var dns = $$"""
            "Dns": {
              "Provider": "cloudflare", "OwnerId": "edge-fleet-1", "Interval": "30s", "DownHoldTime": "{{DownHold.TotalSeconds}}s", "UpHoldTime": "{{UpHold.TotalSeconds}}s",
              "Records": [ { "Name": "api.example.com", "Type": "A", "Ttl": 60, "Service": "api", "Policy": "failover",
                             "Regions": { "us-east": ["{{UsEast}}"], "eu-west": ["{{EuWest}}"] } } ],
              "Cloudflare": { "ZoneId": "{{cloudflare.ZoneId}}", "ApiBaseUrl": "{{cloudflare.BaseUrl}}" }
            },
            "Fleet": { "Etcd": { "Endpoints": [{{endpoints}}] }, "Prefix": "{{prefix}}", "EdgeId": "{{edgeId}}", "LeaseTtl": "{{LeaseTtl.TotalSeconds}}s" }
            """;
        return DnsTestEdge.StartAsync(upstreams, dns, new Dictionary<string, string?> { ["CLOUDFLARE_API_TOKEN"] = cloudflare.Token });
    }

    /// <summary>GET <c>/admin/fleet</c>, parsed.</summary>
    public static async Task<JsonElement> FleetAsync(EdgeProcess edge)
    {
        using var response = await edge.SendAdminAsync(new HttpRequestMessage(HttpMethod.Get, "/admin/fleet"));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    /// <summary>Waits until exactly one edge says it leads and every edge names it; returns its id.</summary>
    public static async Task<string> OneLeaderAsync(IReadOnlyDictionary<string, EdgeProcess> edges, TimeSpan deadline)
    {
        string? leader = null;
        var seen = "";
        await Eventually.WaitUntilAsync(async () =>
        {
            var leaders = new List<string>();
            var named = new HashSet<string?>();
            foreach (var (id, edge) in edges)
            {
                var status = (await FleetAsync(edge)).GetProperty("leader");
                named.Add(status.GetProperty("edge_id").GetString());
                if (status.GetProperty("this_edge").GetBoolean())
                {
                    leaders.Add(id);
                }
            }

            seen = $"leading: [{string.Join(", ", leaders)}], named: [{string.Join(", ", named)}]";
            leader = leaders.Count == 1 && named.Count == 1 && named.Contains(leaders[0]) ? leaders[0] : null;
            return leader is not null;
        }, deadline, () => $"one leader named by all ({seen})");
        return leader!;
    }

    /// <summary>
    /// Waits until the DNS pusher of every edge but <paramref name="leader"/> follows it (the DNS loop looks at the
    /// leadership every 500 ms: it may be a turn behind <c>/admin/fleet</c>).
    /// </summary>
    public static async Task FollowersFollowAsync(IReadOnlyDictionary<string, EdgeProcess> edges, string leader, TimeSpan deadline)
    {
        foreach (var (id, edge) in edges.Where(e => e.Key != leader))
        {
            var state = "";
            await Eventually.WaitUntilAsync(async () =>
            {
                var dns = await DnsAsync(edge);
                state = $"{dns.State} {dns.Leader ?? "(none)"}";
                return state == $"following {leader}";
            }, deadline, () => $"{id}'s DNS follows {leader} (now {state})");
        }
    }

    /// <summary>The <c>dns</c> part of <c>/admin/status</c>: state, the leader it follows, why it is paused.</summary>
    public static async Task<(string? State, string? Leader, string? PausedReason)> DnsAsync(EdgeProcess edge)
    {
        var dns = (await edge.GetStatusJsonAsync()).GetProperty("dns");
        return (dns.GetProperty("state").GetString(), Text(dns, "leader"), Text(dns, "paused_reason"));
    }

    /// <summary>This edge's last quorum decision for <paramref name="region"/> of <c>api</c> (null when it has none yet).</summary>
    public static async Task<(int Usable, int Unusable, int Required, string? Decision)?> QuorumAsync(EdgeProcess edge, string region)
    {
        foreach (var decision in (await FleetAsync(edge)).GetProperty("quorum").EnumerateArray())
        {
            if (decision.GetProperty("region").GetString() == region)
            {
                return (decision.GetProperty("see_usable").GetInt32(), decision.GetProperty("see_unusable").GetInt32(),
                    decision.GetProperty("required").GetInt32(), decision.GetProperty("decision").GetString());
            }
        }

        return null;
    }

    /// <summary>What <c>api.example.com A</c> holds on the emulator, ordered.</summary>
    public static string[] ApiAddresses(CloudflareEmulator cloudflare) =>
        [.. cloudflare.Records.Where(r => r.Name == "api.example.com" && r.Type == "A").Select(r => r.Content).Order(StringComparer.Ordinal)];

    /// <summary>Requests that could change the zone (everything but GET), from any edge.</summary>
    public static int Writes(CloudflareEmulator cloudflare) => cloudflare.Requests.Count(r => r.Method != "GET");

    public static string Describe(CloudflareEmulator cloudflare) =>
        $"api.example.com A [{string.Join(", ", ApiAddresses(cloudflare))}], {Writes(cloudflare)} writes: " +
        string.Join("; ", cloudflare.Requests.Where(r => r.Method != "GET").Select(r => $"{r.At:HH:mm:ss.fff} {r}"));

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

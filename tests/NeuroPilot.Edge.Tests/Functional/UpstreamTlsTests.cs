using System.Net;
using System.Text.Json;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Dns;
using NeuroPilot.Edge.Tests.TestKit.Tls;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// mTLS between regions (issue 11, "Done when" 2): HTTPS load through the edge to an upstream that requires the
/// edge's client certificate; a destination whose certificate comes from another CA is down with the reason in
/// /admin/status, and its traffic goes to the next region.
/// </summary>
public sealed class UpstreamTlsTests(TestCertificates certificates, ITestOutputHelper output) : IClassFixture<TestCertificates>
{
    private const string FastProbes = """{ "Path": "/healthz", "Interval": "00:00:01", "Timeout": "00:00:01", "UnhealthyThreshold": 1 }""";

    [Fact]
    public async Task HttpsLoadThroughTheEdge_ToAnUpstreamRequiringTheEdgesClientCertificate_AllSucceed()
    {
        var listener = certificates.Issue("mtls-up-listener", ["a.test"]);
        var upstreamCertificate = certificates.Issue("mtls-up-server", ["us-east.internal.test"], ipAddresses: ["127.0.0.1"]);
        var edgeClient = certificates.Issue("mtls-up-edge", ["edge-1.internal.test"], usage: "clientAuth");
        var kitClient = certificates.Issue("mtls-up-kit", ["kit.internal.test"], usage: "clientAuth");
        using var upstream = await UpstreamProcess.StartAsync("us-east",
            tls: new UpstreamTls(upstreamCertificate, certificates.Ca, ClientCa: certificates.Ca.Certificate, ControlClientCertificate: kitClient));
        var (httpPort, httpsPort, adminPort) = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.WithHttps(httpPort, httpsPort, adminPort, [upstream], [listener],
            serviceExtras: $$"""
                "UpstreamTls": { "CaFile": "{{certificates.Ca.Certificate}}", "ClientCertificateFile": "{{edgeClient.Certificate}}", "ClientKeyFile": "{{edgeClient.Key}}",
                                 "ServerName": "us-east.internal.test" }
                """,
            healthCheck: FastProbes));
        await edge.WaitUntilReadyAsync(TimeSpan.FromSeconds(10));

        using var client = TlsClients.Create(certificates.Ca);
        using (var response = await client.GetAsync(new Uri($"https://a.test:{httpsPort}/who")))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("edge-1.internal.test", Assert.Single(response.Headers.GetValues("X-Upstream-Client-Certificate")));
            // ServerName is what is verified, not the SNI: SocketsHttpHandler sends the request's host, none for an IP address.
            Assert.False(response.Headers.Contains("X-Upstream-Server-Name"));
        }

        await using var load = SteadyLoad.Start(new Uri($"https://a.test:{httpsPort}/load"), 200, TimeSpan.FromSeconds(5), handler: TlsClients.Handler(certificates.Ca));
        await load.Completion;

        output.WriteLine($"HTTPS through the edge to an mTLS upstream: {load.Summary()}");
        Assert.Equal(0, load.Failed);
        Assert.True(load.Total >= 950, load.Summary());
        var destination = Destination(await edge.GetStatusJsonAsync(), "us-east");
        Assert.Equal("up", destination.GetProperty("health").GetString());
        Assert.Equal("HTTP 200", destination.GetProperty("last_probe").GetProperty("result").GetString());
    }

    [Fact]
    public async Task DestinationWithACertificateFromTheWrongCa_IsDownWithTheReason_AndTrafficGoesToTheNextRegion()
    {
        var rogueCa = certificates.CreateCa("wrong-ca-root", "NeuroPilot Rogue CA");
        var rogue = certificates.Issue("wrong-ca-server", ["us-east.internal.test"], issuer: rogueCa, ipAddresses: ["127.0.0.1"]);
        var good = certificates.Issue("wrong-ca-good", ["eu-west.internal.test"], ipAddresses: ["127.0.0.1"]);
        var listener = certificates.Issue("wrong-ca-listener", ["a.test"]);
        using var primary = await UpstreamProcess.StartAsync("us-east", tls: new UpstreamTls(rogue, rogueCa));
        using var secondary = await UpstreamProcess.StartAsync("eu-west", tls: new UpstreamTls(good, certificates.Ca));
        var (httpPort, httpsPort, adminPort) = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.WithHttps(httpPort, httpsPort, adminPort, [primary, secondary], [listener],
            serviceExtras: $$""" "UpstreamTls": { "CaFile": "{{certificates.Ca.Certificate}}" } """,
            healthCheck: FastProbes));

        JsonElement destination = default;
        await Eventually.WaitUntilAsync(async () =>
        {
            destination = Destination(await edge.GetStatusJsonAsync(), "us-east");
            return destination.GetProperty("health").GetString() == "down";
        }, TimeSpan.FromSeconds(10), "us-east's destination is down");

        var reason = destination.GetProperty("last_probe").GetProperty("result").GetString();
        output.WriteLine($"/admin/status of the destination with the rogue certificate: {reason}");
        Assert.StartsWith("TLS: certificate untrusted (", reason, StringComparison.Ordinal);
        var seenBefore = (await primary.GetStatsAsync()).Requests; // the kit's own start-up check
        using var client = edge.CreateClient();
        for (var i = 0; i < 10; i++)
        {
            using var response = await client.GetAsync($"/after/{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("eu-west", Assert.Single(response.Headers.GetValues("X-Upstream-Region")));
        }

        // Never trusted: not one request reached the destination through the edge (no HTTP after a refused handshake).
        Assert.Equal(seenBefore, (await primary.GetStatsAsync()).Requests);
        // The log says it too (written by the logger's queue, so waited for rather than read at once).
        await edge.Output.WaitForStderrAsync("is DOWN after 1 failed probes (last: TLS: certificate untrusted", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ServerNameSet_DestinationCertificateForAnotherName_IsDownWithANameMismatch()
    {
        var other = certificates.Issue("name-other", ["eu-west.internal.test"], ipAddresses: ["127.0.0.1"]);
        var listener = certificates.Issue("name-listener", ["a.test"]);
        using var upstream = await UpstreamProcess.StartAsync("us-east", tls: new UpstreamTls(other, certificates.Ca));
        var (httpPort, httpsPort, adminPort) = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.WithHttps(httpPort, httpsPort, adminPort, [upstream], [listener],
            serviceExtras: $$""" "UpstreamTls": { "CaFile": "{{certificates.Ca.Certificate}}", "ServerName": "us-east.internal.test" } """,
            healthCheck: FastProbes));

        await Eventually.WaitUntilAsync(async () => Destination(await edge.GetStatusJsonAsync(), "us-east").GetProperty("health").GetString() == "down",
            TimeSpan.FromSeconds(10), "the destination is down");

        Assert.Equal("TLS: name mismatch (expected us-east.internal.test; the certificate is for eu-west.internal.test)",
            Destination(await edge.GetStatusJsonAsync(), "us-east").GetProperty("last_probe").GetProperty("result").GetString());
    }

    [Fact]
    public async Task DnsPlan_HttpsDestinationOfAPrivateCa_IsProbedWithTheServicesUpstreamTls()
    {
        var server = certificates.Issue("plan-server", ["us-east.internal.test"], ipAddresses: ["127.0.0.1"]);
        using var upstream = await UpstreamProcess.StartAsync("us-east", tls: new UpstreamTls(server, certificates.Ca));
        await using var cloudflare = await CloudflareEmulator.StartAsync();
        var path = certificates.PathOf("plan-edge.json");
        await File.WriteAllTextAsync(path, $$"""
            {
              "Services": { "api": {
                "Regions": [ { "Name": "us-east", "Destinations": ["{{upstream.Destination}}"] } ],
                "UpstreamTls": { "CaFile": "{{certificates.Ca.Certificate}}" },
                "HealthCheck": { "Path": "/healthz", "Timeout": "1s" } } },
              "Dns": { "Provider": "cloudflare", "OwnerId": "edge-fleet-1",
                "Records": [ { "Name": "api.example.com", "Service": "api", "Regions": { "us-east": ["198.51.100.10"] } } ],
                "Cloudflare": { "ZoneId": "{{cloudflare.ZoneId}}", "ApiBaseUrl": "{{cloudflare.BaseUrl}}" } }
            }
            """);

        var result = await ChildProcess.RunToExitAsync(EdgeBinary.Path, ["dns", "plan", "--config", path], TimeSpan.FromSeconds(30),
            environment: new Dictionary<string, string?> { ["CLOUDFLARE_API_TOKEN"] = cloudflare.Token });

        output.WriteLine(result.Output);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"api/us-east: up (127.0.0.1:{upstream.Port} HTTP 200)", result.Stdout, StringComparison.Ordinal);
    }

    private static JsonElement Destination(JsonElement status, string region)
    {
        foreach (var candidate in status.GetProperty("services")[0].GetProperty("regions").EnumerateArray())
        {
            if (candidate.GetProperty("name").GetString() == region)
            {
                return candidate.GetProperty("destinations")[0];
            }
        }

        throw new InvalidOperationException($"no region {region} in /admin/status");
    }
}

using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Dns;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary><c>neuropilot-edge dns plan</c>: the real binary against the Cloudflare emulator and real upstream processes.</summary>
public sealed class DnsPlanCommandTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("neuropilot-edge-dns-plan-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task DnsPlan_PrimaryDown_PrintsTheFailoverAndTheConflict_AndChangesNothing()
    {
        await using var cloudflare = await CloudflareEmulator.StartAsync();
        cloudflare.Seed("api.example.com", "A", "198.51.100.10", ttl: 60);
        cloudflare.Seed("_neuropilot-edge.a.api.example.com", "TXT", "heritage=neuropilot-edge,owner=edge-fleet-1", ttl: 300);
        cloudflare.Seed("legacy.example.com", "A", "203.0.113.7", ttl: 300);
        var before = cloudflare.Records;
        using var euWest = await UpstreamProcess.StartAsync("eu-west");
        var deadPort = FreePorts.Next();
        var path = WriteConfig(cloudflare, $"http://127.0.0.1:{deadPort}", euWest.Destination);

        var result = await ChildProcess.RunToExitAsync(EdgeBinary.Path, ["dns", "plan", "--config", path], Deadline,
            environment: new Dictionary<string, string?> { ["CLOUDFLARE_API_TOKEN"] = cloudflare.Token });

        output.WriteLine(result.Output);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("api/us-east: down", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("api/eu-west: up", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("~ api.example.com A: [198.51.100.10] -> [198.51.100.20]", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("! legacy.example.com A: conflict, left alone", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed (plan only).", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, cloudflare.Records);
        Assert.All(cloudflare.Requests, r => Assert.Equal("GET", r.Method));
        Assert.DoesNotContain(cloudflare.Token, result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DnsPlan_WithoutToken_SaysWhichVariableIsMissing_ExitsOne()
    {
        await using var cloudflare = await CloudflareEmulator.StartAsync();
        var path = WriteConfig(cloudflare, "http://127.0.0.1:9", "http://127.0.0.1:10");

        var result = await ChildProcess.RunToExitAsync(EdgeBinary.Path, ["dns", "plan", "--config", path, "--assume-healthy"], Deadline,
            environment: new Dictionary<string, string?> { ["CLOUDFLARE_API_TOKEN"] = null, ["CLOUDFLARE_API_TOKEN_FILE"] = null, ["CREDENTIALS_DIRECTORY"] = null });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("CLOUDFLARE_API_TOKEN is not set", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(cloudflare.Requests);
    }

    [Fact]
    public async Task Check_ConfigWithDns_NamesTheProviderAndRecords_WithoutTouchingIt()
    {
        await using var cloudflare = await CloudflareEmulator.StartAsync();
        var path = WriteConfig(cloudflare, "http://127.0.0.1:9", "http://127.0.0.1:10");

        var result = await EdgeBinary.RunToExitAsync(Deadline, "check", "--config", path);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("DNS push to cloudflare: 2 records", result.Stdout, StringComparison.Ordinal);
        Assert.Empty(cloudflare.Requests);
    }

    private string WriteConfig(CloudflareEmulator cloudflare, string usEast, string euWest)
    {
        var path = Path.Combine(_directory, "edge.json");
        File.WriteAllText(path, $$"""
            {
              "Services": {
                "api": {
                  "Regions": [ { "Name": "us-east", "Destinations": ["{{usEast}}"] }, { "Name": "eu-west", "Destinations": ["{{euWest}}"] } ],
                  "HealthCheck": { "Path": "/healthz", "Timeout": "1s" }
                }
              },
              "Dns": {
                "Provider": "cloudflare", "OwnerId": "edge-fleet-1",
                "Records": [
                  { "Name": "api.example.com", "Service": "api", "Regions": { "us-east": ["198.51.100.10"], "eu-west": ["198.51.100.20"] } },
                  { "Name": "legacy.example.com", "Service": "api", "Regions": { "us-east": ["198.51.100.10"] } }
                ],
                "Cloudflare": { "ZoneId": "{{cloudflare.ZoneId}}", "ApiBaseUrl": "{{cloudflare.BaseUrl}}" }
              }
            }
            """);
        return path;
    }
}

using System.Net;
using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// An edge with nothing to encrypt or sign (plain-http listeners and upstreams, no JWT, no TSIG) never loads OpenSSL:
/// libcrypto and libssl cost ~4 MiB of resident memory and ~10-20 ms of start (bench/startup/README.md).
/// </summary>
public sealed class NativeLibrariesTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Run_PlainHttpConfig_ProxiesScrapesAndReloadsWithoutLoadingOpenSsl()
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        var config = EdgeConfigText.SingleService(proxyPort, adminPort, upstreams.All);
        using var edge = await EdgeProcess.StartAsync(config);
        using var client = edge.CreateClient();

        for (var i = 0; i < 5; i++)
        {
            using var response = await client.GetAsync($"/orders/{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Contains("neuropilot_edge_", await edge.GetMetricsTextAsync());
        edge.RewriteConfig(config + "\n");
        await Eventually.WaitUntilAsync(
            async () => (await edge.GetMetricsTextAsync()).Contains("neuropilot_edge_config_reloads_total{result=\"applied\"} 1", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "the rewritten config applied");

        var libraries = File.ReadAllLines($"/proc/{edge.Pid}/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6 && fields[5].StartsWith('/'))
            .Select(fields => Path.GetFileName(fields[5]))
            .Distinct()
            .Order()
            .ToList();
        output.WriteLine($"mapped files: {string.Join(", ", libraries)}");
        Assert.Contains(libraries, name => name.StartsWith("libc.so", StringComparison.Ordinal));
        Assert.DoesNotContain(libraries, name => name.StartsWith("libssl", StringComparison.Ordinal) || name.StartsWith("libcrypto", StringComparison.Ordinal));
    }
}

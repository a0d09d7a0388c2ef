using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary><c>neuropilot-edge health</c>: the container HEALTHCHECK's client (chiseled images have no curl).</summary>
public sealed class HealthCommandTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Health_AgainstARunningEdge_ExitsZero_AndAgainstNothing_ExitsOne()
    {
        using var upstream = await UpstreamProcess.StartAsync("us-east");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        using (var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(proxyPort, adminPort, [upstream])))
        {
            var healthy = await EdgeBinary.RunToExitAsync(Deadline, "health", "--url", new Uri(edge.AdminUrl, "/healthz").ToString());
            output.WriteLine(healthy.ToString());
            Assert.Equal(0, healthy.ExitCode);
        }

        var closed = await EdgeBinary.RunToExitAsync(Deadline, "health", "--url", $"http://127.0.0.1:{FreePorts.Next()}/healthz");
        output.WriteLine(closed.ToString());
        Assert.Equal(1, closed.ExitCode);
        Assert.Contains("unreachable", closed.Stdout, StringComparison.Ordinal);
    }
}

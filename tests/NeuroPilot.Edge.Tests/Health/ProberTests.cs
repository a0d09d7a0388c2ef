using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Health;
using NeuroPilot.Edge.Tests.TestKit;

namespace NeuroPilot.Edge.Tests.Health;

/// <summary>
/// One probe against real upstream processes on loopback: the probe goes to the destination it is for, whatever
/// the path says.
/// </summary>
public sealed class ProberTests
{
    [Fact]
    public async Task Probe_PathThatNamesAnotherHost_StillProbesTheDestination()
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west");
        var (usEast, euWest) = (upstreams["us-east"], upstreams["eu-west"]);
        await usEast.SetFaultAsync("503");
        using var prober = new Prober(TimeProvider.System);

        // A network-path reference: resolved against the destination, it would name eu-west (healthy).
        var options = new HealthCheckOptions { Path = $"//127.0.0.1:{euWest.Port}/healthz", Timeout = TimeSpan.FromSeconds(2) };
        var result = await prober.ProbeAsync(usEast.Url, options, CancellationToken.None);

        Assert.False(result.Healthy, $"the probe of us-east (answering 503) was healthy: {result.Detail}");
    }
}

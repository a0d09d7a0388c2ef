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

    [Theory]
    [InlineData("http://127.0.0.1:9001", "/healthz", "http://127.0.0.1:9001/healthz")]
    [InlineData("http://127.0.0.1:9001/base/", "/healthz?full=1", "http://127.0.0.1:9001/base/healthz?full=1")]
    [InlineData("https://[2001:db8::1]:8443", "/healthz", "https://[2001:db8::1]:8443/healthz")]
    [InlineData("http://api.internal", "/a%20b", "http://api.internal/a%20b")]
    [InlineData("http://127.0.0.1:9001", "//127.0.0.1:9002/healthz", "http://127.0.0.1:9001//127.0.0.1:9002/healthz")]
    public void ProbeUrl_KeepsTheDestinationsSchemeHostAndPort(string destination, string path, string expected) =>
        Assert.Equal(expected, Prober.ProbeUrl(new Uri(destination), path)!.AbsoluteUri);

    [Theory]
    [InlineData("@evil.example/healthz")]
    [InlineData(".evil.example/healthz")]
    public void ProbeUrl_PathThatWouldChangeTheAuthority_IsNull(string path) =>
        Assert.Null(Prober.ProbeUrl(new Uri("http://127.0.0.1:9001"), path));
}

using dotnet_etcd;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Fleet;
using NeuroPilot.Edge.Tests.Dns;
using NeuroPilot.Edge.Tests.TestKit.Etcd;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Fleet;

/// <summary>The fleet's read side against a real etcd: what <see cref="EtcdFleetViewReader.HasRead"/> promises its readers.</summary>
public sealed class EtcdFleetViewReaderTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Refresh_FirstRead_HasReadTurnsTrueOnlyOnceTheSubscribersHaveTheView()
    {
        using var etcd = await EtcdCluster.StartAsync();
        var options = new FleetOptions { Etcd = new EtcdOptions { Endpoints = [.. etcd.ClientUrls.Select(u => new Uri(u))] }, EdgeId = "edge-a", Prefix = "/test-reader/" };
        using var client = EtcdClients.Create(options.Etcd, EtcdCredentials.None);
        await using var reader = new EtcdFleetViewReader(client, options, TimeProvider.System, new CapturingLogger<EtcdFleetViewReader>(output.WriteLine));
        var hasReadWhileFollowing = new List<bool>();
        reader.Changed += _ => hasReadWhileFollowing.Add(reader.HasRead); // where the edge follows the fleet's drains

        Assert.True(await reader.RefreshAsync(CancellationToken.None));

        // /readyz turns ready on HasRead: were it true before the drains are followed, a restarted edge could say
        // ready while not yet drained.
        Assert.Equal([false], hasReadWhileFollowing);
        Assert.True(reader.HasRead);
    }
}

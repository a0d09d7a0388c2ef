using System.Text.Json;
using dotnet_etcd;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Fleet;
using NeuroPilot.Edge.Tests.Dns;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Etcd;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Fleet;

/// <summary>Shared drains against a real etcd: a drain is read by every reader with its audit; an undrain removes it and is audited; etcd down is a reason, not an exception.</summary>
public sealed class EtcdFleetDrainsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private EtcdCluster _cluster = null!;
    private FleetOptions _options = null!;
    private EtcdClient _client = null!;

    public async Task InitializeAsync()
    {
        _cluster = await EtcdCluster.StartAsync();
        _options = new FleetOptions
        {
            Etcd = new EtcdOptions { Endpoints = [.. _cluster.ClientUrls.Select(u => new Uri(u))] },
            EdgeId = "edge-a",
            Prefix = "/drain-test/",
            LeaseTtl = TimeSpan.FromSeconds(2),
        };
        _client = EtcdClients.Create(_options.Etcd, EtcdCredentials.None);
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        _cluster.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task SetAsync_DrainThenUndrain_IsReadWithItsAuditAndThenGone()
    {
        var drains = new EtcdFleetDrains(_client, _options, TimeProvider.System, new CapturingLogger<EtcdFleetDrains>(output.WriteLine));
        await using var reader = new EtcdFleetViewReader(_client, _options, TimeProvider.System, new CapturingLogger<EtcdFleetViewReader>(output.WriteLine));

        Assert.Null(await drains.SetAsync("api", "us-east", drain: true, "alice", CancellationToken.None));
        Assert.True(await reader.RefreshAsync(CancellationToken.None));

        var drain = Assert.Single(reader.Current.Drains);
        Assert.Equal(("api", "us-east", true, "alice", "edge-a"), (drain.Service, drain.Region, drain.Drained, drain.By, drain.EdgeId));
        Assert.True(reader.Current.IsDrained("api", "us-east"));
        Assert.False(reader.Current.IsDrained("api", "eu-west"));

        Assert.Null(await drains.SetAsync("api", "us-east", drain: false, "bob", CancellationToken.None));
        Assert.True(await reader.RefreshAsync(CancellationToken.None));
        Assert.Empty(reader.Current.Drains);

        var audit = JsonDocument.Parse(await _client.GetValAsync("/drain-test/audit/drains/api/us-east")).RootElement;
        Assert.False(audit.GetProperty("drained").GetBoolean());
        Assert.Equal("bob", audit.GetProperty("by").GetString());
        Assert.Equal("edge-a", audit.GetProperty("edgeId").GetString());
    }

    [Fact]
    public async Task SetAsync_EtcdDown_GivesTheReasonWithoutThrowing()
    {
        var logs = new CapturingLogger<EtcdFleetDrains>(output.WriteLine);
        var drains = new EtcdFleetDrains(_client, _options, TimeProvider.System, logs);
        for (var member = 0; member < _cluster.Size; member++)
        {
            await _cluster.StopMemberAsync(member);
        }

        var reason = await drains.SetAsync("api", "us-east", drain: true, "alice", CancellationToken.None).WaitAsync(Deadline);

        Assert.NotNull(reason);
        Assert.Single(logs.Lines, l => l.Id.Id == 621);
    }
}

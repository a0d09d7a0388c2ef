using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Fleet;
using NeuroPilot.Edge.Tests.Dns;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Etcd;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Fleet;

/// <summary>Against a real etcd with auth on: the configured user and password publish and read; a wrong password is a state, not an exception.</summary>
public sealed class EtcdAuthTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Prefix = "/auth-fleet/";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private EtcdCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await EtcdCluster.StartAsync();
        await _cluster.EnableAuthAsync("edge", "edge-password", Prefix);
    }

    public Task DisposeAsync()
    {
        _cluster.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Publish_WithTheUsersPassword_IsReadBack()
    {
        var options = Options("edge-a");
        using var client = EtcdClients.Create(options.Etcd, Credentials("edge-password"));
        await using var member = new EtcdFleetMember(client, options, TimeProvider.System, new CapturingLogger<EtcdFleetMember>(output.WriteLine));
        await using var reader = new EtcdFleetViewReader(client, options, TimeProvider.System, new CapturingLogger<EtcdFleetViewReader>(output.WriteLine));
        member.Start();
        reader.Start();

        member.Publish(new FleetServiceView("edge-a", "api", [new FleetRegionView("us-east", true, "usable", TimeProvider.System.GetUtcNow())], TimeProvider.System.GetUtcNow()));

        await Eventually.WaitUntilAsync(() => reader.Current.ViewOf("edge-a", "api") is not null, Deadline, () => $"the view is read back (member {member.Status}, reader {reader.State} {reader.LastError})");
        Assert.Equal(FleetConnection.Connected, member.State);
    }

    [Fact]
    public async Task Start_WithAWrongPassword_IsUnreachableWithTheReason()
    {
        var options = Options("edge-b");
        using var client = EtcdClients.Create(options.Etcd, Credentials("not-the-password"));
        await using var member = new EtcdFleetMember(client, options, TimeProvider.System, new CapturingLogger<EtcdFleetMember>(output.WriteLine));
        member.Start();

        await Eventually.WaitUntilAsync(() => member.State == FleetConnection.Unreachable, Deadline, () => $"the member says unreachable ({member.Status})");
        output.WriteLine($"reason: {member.Status.LastError}");
        Assert.DoesNotContain("not-the-password", member.Status.LastError ?? "", StringComparison.Ordinal);
    }

    private FleetOptions Options(string edgeId) => new()
    {
        Etcd = new EtcdOptions { Endpoints = [.. _cluster.ClientUrls.Select(u => new Uri(u))], Username = "edge", PasswordEnv = "UNUSED" },
        EdgeId = edgeId,
        Prefix = Prefix,
        LeaseTtl = TimeSpan.FromSeconds(2),
    };

    private static EtcdCredentials Credentials(string password)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, password);
            var errors = new List<ConfigError>();
            var credentials = EtcdCredentials.Read(new EtcdOptions { Endpoints = [], Username = "edge", PasswordFile = file }, errors);
            Assert.Empty(errors);
            return credentials;
        }
        finally
        {
            File.Delete(file);
        }
    }
}

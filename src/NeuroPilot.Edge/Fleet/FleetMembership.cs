using dotnet_etcd;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Health;
using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Fleet;

/// <summary>
/// The fleet as a hosted service, present only when the config has a <c>Fleet</c> section: one etcd client, this edge's
/// <see cref="EtcdFleetMember"/> fed with every snapshot the health agent publishes (and every service's current one at
/// start and after a reload), and the <see cref="EtcdFleetViewReader"/> of all members. Start never waits on etcd;
/// stop revokes the lease. The request path is untouched: the health agent's event only records a snapshot.
/// </summary>
public sealed class FleetMembership : IHostedService, IAsyncDisposable
{
    private readonly EtcdClient _client;
    private readonly EdgeRuntime _runtime;
    private readonly HealthAgent _health;
    private int _stopped;

    public FleetMembership(FleetOptions options, EtcdCredentials credentials, EdgeRuntime runtime, HealthAgent health, TimeProvider time, ILoggerFactory loggers)
    {
        Options = options;
        _runtime = runtime;
        _health = health;
        _client = EtcdClients.Create(options.Etcd, credentials);
        Member = new EtcdFleetMember(_client, options, time, loggers.CreateLogger<EtcdFleetMember>());
        Reader = new EtcdFleetViewReader(_client, options, time, loggers.CreateLogger<EtcdFleetViewReader>());
    }

    public FleetOptions Options { get; }

    public EtcdFleetMember Member { get; }

    public EtcdFleetViewReader Reader { get; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _health.ServiceHealthChanged += Member.Publish;
        _runtime.TableChanged += PublishAll;
        PublishAll(_runtime.Table);
        Member.Start();
        Reader.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        _health.ServiceHealthChanged -= Member.Publish;
        _runtime.TableChanged -= PublishAll;
        await Reader.DisposeAsync();
        await Member.DisposeAsync();
        _client.Dispose();
    }

    private void PublishAll(RoutingTable table)
    {
        foreach (var service in table.Services)
        {
            Member.Publish(service.Health);
        }
    }
}

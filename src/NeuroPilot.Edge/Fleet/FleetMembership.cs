using dotnet_etcd;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Health;
using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Fleet;

/// <summary>
/// The fleet as a hosted service, present only when the config has a <c>Fleet</c> section: one etcd client, this edge's
/// <see cref="EtcdFleetMember"/> fed with every snapshot the health agent publishes (and every service's current one at
/// start and after a reload), the <see cref="EtcdFleetViewReader"/> of all members, and the shared drains: written
/// through <see cref="Drains"/>, followed from every read (a region is drained here exactly when the fleet has it
/// drained, once etcd has been read), and the <see cref="Leadership"/> election of the DNS writer. Start never waits on etcd; stop revokes the lease. The request path is
/// untouched: the health agent's event only records a snapshot.
/// </summary>
public sealed partial class FleetMembership : IHostedService, IAsyncDisposable
{
    private readonly EtcdClient _client;
    private readonly EdgeRuntime _runtime;
    private readonly HealthAgent _health;
    private readonly ILogger<FleetMembership> _logger;
    private readonly Lock _applying = new();
    private readonly TimeProvider _time;
    private long _startedAt;
    private int _stopped;

    private readonly Telemetry.EdgeMetrics? _metrics;

    public FleetMembership(FleetOptions options, EtcdCredentials credentials, EdgeRuntime runtime, HealthAgent health, TimeProvider time, ILoggerFactory loggers,
        Telemetry.EdgeMetrics? metrics = null)
    {
        _metrics = metrics;
        Options = options;
        _runtime = runtime;
        _health = health;
        _client = EtcdClients.Create(options.Etcd, credentials);
        Member = new EtcdFleetMember(_client, options, time, loggers.CreateLogger<EtcdFleetMember>(), metrics);
        Reader = new EtcdFleetViewReader(_client, options, time, loggers.CreateLogger<EtcdFleetViewReader>(), metrics);
        Leadership = new FleetLeadership(_client, options, () => Member.Status is { State: FleetConnection.Connected } status ? status.LeaseId : 0, time,
            loggers.CreateLogger<FleetLeadership>(), metrics);
        Drains = new EtcdFleetDrains(_client, options, time, loggers.CreateLogger<EtcdFleetDrains>(), metrics);
        _logger = loggers.CreateLogger<FleetMembership>();
        _time = time;
    }

    /// <summary>How long a starting edge waits for the fleet's drains before it turns ready without them (etcd down at start).</summary>
    public static readonly TimeSpan ReadyWait = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether this edge may say it is ready as far as the fleet goes: the fleet's drains have been read (and
    /// followed), or etcd gave no answer for <see cref="ReadyWait"/> after start and the edge serves on its local view.
    /// </summary>
    public bool DrainsKnown => Reader.HasRead || (_startedAt != 0 && _time.GetElapsedTime(_startedAt) >= ReadyWait);

    public EtcdFleetDrains Drains { get; }

    public FleetOptions Options { get; }

    public EtcdFleetMember Member { get; }

    public EtcdFleetViewReader Reader { get; }

    /// <summary>The election of the fleet's one DNS writer, campaigning on this edge's lease.</summary>
    public FleetLeadership Leadership { get; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _startedAt = _time.GetTimestamp();
        _health.ServiceHealthChanged += Member.Publish;
        _runtime.TableChanged += PublishAll;
        Reader.Changed += FollowDrains;
        PublishAll(_runtime.Table);
        Member.Start();
        Reader.Start();
        Leadership.Start();
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
        Reader.Changed -= FollowDrains;
        await Leadership.DisposeAsync(); // resigns while the lease still stands
        await Reader.DisposeAsync();
        await Member.DisposeAsync();
        _client.Dispose();
    }

    private void PublishAll(RoutingTable table)
    {
        if (Reader.HasRead)
        {
            FollowDrains(Reader.Current);
        }

        // Retain first: a snapshot of a new service the health agent sent before this runs is published again below.
        Member.Retain([.. table.Services.Select(s => s.Name)]);
        foreach (var service in table.Services)
        {
            Member.Publish(service.Health);
        }
    }

    /// <summary>Drains here what the fleet has drained and undrains the rest; the health agent decides again at once.</summary>
    private void FollowDrains(FleetView view)
    {
        if (view.Revision < Drains.LastWriteRevision)
        {
            return; // read before this edge's own drain write: the next read will hold it
        }

        lock (_applying)
        {
            foreach (var service in _runtime.Table.Services)
            {
                var changed = false;
                foreach (var region in service.Regions)
                {
                    var drained = view.IsDrained(service.Name, region.Name);
                    if (region.State.Drained != drained)
                    {
                        region.State.Drained = drained;
                        changed = true;
                        _metrics?.FleetDrainsFollowed.Inc();
                        LogFollowed(_logger, service.Name, region.Name, drained ? "drained" : "undrained");
                    }
                }

                if (changed)
                {
                    _health.Evaluate(service);
                }
            }
        }
    }
}

using System.Collections.Concurrent;
using System.Text.Json;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Fleet.Internal;
using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Fleet;

/// <summary>
/// This edge's membership in the fleet: it holds an etcd lease of <see cref="FleetOptions.LeaseTtl"/>, renews it every
/// third of the TTL, and keeps this edge's view of each service (<see cref="FleetServiceView"/>) under
/// <c>{Prefix}members/{EdgeId}/views/{Service}</c>, attached to the lease, so the views vanish with the edge.
/// <para>
/// <see cref="Publish(ServiceHealth)"/> only records the snapshot and wakes the loop: it does no I/O and never throws,
/// so the health agent (and the request that tripped a breaker) never waits on etcd. On an etcd error the loop logs once
/// per change of <see cref="State"/>, retries with a capped backoff, and re-grants the lease (and re-publishes every view)
/// once the old one must have expired. Nothing escapes the loop.
/// </para>
/// </summary>
public sealed partial class EtcdFleetMember : IAsyncDisposable
{
    public static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    private readonly EtcdClient _client;
    private readonly FleetOptions _options;
    private readonly FleetKeys _keys;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _callTimeout;
    private readonly ConcurrentDictionary<string, ServiceHealth> _pendingHealth = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FleetServiceView> _pendingViews = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FleetServiceView> _views = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly HashSet<string> _removed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private volatile IReadOnlySet<string>? _services;
    private long _leaseId;
    private long _renewedAt;
    private long _nextKeepAlive;
    private volatile FleetMemberStatus _status = new(FleetConnection.Connecting, 0, null);

    private readonly Telemetry.EdgeMetrics? _metrics;

    public EtcdFleetMember(EtcdClient client, FleetOptions options, TimeProvider time, ILogger<EtcdFleetMember> logger, Telemetry.EdgeMetrics? metrics = null)
    {
        _metrics = metrics;
        _client = client;
        _options = options;
        _keys = new FleetKeys(options.Prefix);
        _time = time;
        _logger = logger;
        _callTimeout = CallDeadline.TimeoutFor(options.LeaseTtl);
    }

    public string EdgeId => _options.EdgeId;

    /// <summary>Where this member stands with etcd now, with the last error while unreachable.</summary>
    public FleetMemberStatus Status => _status;

    public FleetConnection State => _status.State;

    /// <summary>Starts the loop; returns at once (etcd may be down: the loop keeps trying).</summary>
    public void Start() => _loop ??= Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);

    /// <summary>Records the health agent's newest snapshot of a service, to be published; no I/O, never throws.</summary>
    public void Publish(ServiceHealth health)
    {
        _pendingHealth[health.Service.Name] = health;
        Wake();
    }

    /// <summary>Records a ready-made view of a service to be published; no I/O, never throws.</summary>
    public void Publish(FleetServiceView view)
    {
        _pendingViews[view.Service] = view;
        Wake();
    }

    /// <summary>
    /// Records the services this edge has now (after a reload): a view of any other service is deleted from etcd and no
    /// longer published, a snapshot of one arriving later is dropped. No I/O, never throws.
    /// </summary>
    public void Retain(IReadOnlyCollection<string> services)
    {
        _services = new HashSet<string>(services, StringComparer.Ordinal);
        Wake();
    }

    /// <summary>Stops the loop and revokes the lease, so this edge's views vanish at once instead of after the TTL.</summary>
    public ValueTask DisposeAsync() => StopAsync(revoke: true);

    /// <summary>
    /// Stops the loop; with <paramref name="revoke"/> false the lease is left to expire, as when the process dies
    /// (what the other edges see of a crash).
    /// </summary>
    public async ValueTask StopAsync(bool revoke)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_loop is { } loop)
        {
            await loop;
        }

        if (revoke && Interlocked.Exchange(ref _leaseId, 0) is var lease and not 0)
        {
            try
            {
                using var timeout = new CallDeadline(_callTimeout, _time, CancellationToken.None);
                await _client.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, cancellationToken: timeout.Token);
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException)
            {
                LogRevokeFailed(_logger, Describe(e));
            }
        }

        _status = new FleetMemberStatus(FleetConnection.Stopped, 0, null);
        _stopping.Dispose();
        _wake.Dispose();
    }

    private void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (Exception e) when (e is SemaphoreFullException or ObjectDisposedException)
        {
            // Already awake, or stopped.
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var backoff = InitialBackoff;
        while (!stop.IsCancellationRequested)
        {
            TimeSpan wait;
            bool wakeOnPublish;
            try
            {
                TakePending();
                await StepAsync(stop);
                SetStatus(FleetConnection.Connected, null);
                backoff = InitialBackoff;
                (wait, wakeOnPublish) = (_time.GetElapsedTime(_time.GetTimestamp(), _nextKeepAlive), true);
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                _metrics?.FleetEtcdErrors.WithLabels("member").Inc();
                SetStatus(FleetConnection.Unreachable, Describe(e));
                if (IsLeaseGone(e) || (_leaseId != 0 && _time.GetElapsedTime(_renewedAt) >= _options.LeaseTtl))
                {
                    // etcd has dropped it (or must have by now): the next success grants a new one and re-publishes.
                    _leaseId = 0;
                }

                (wait, wakeOnPublish) = (backoff, false);
                backoff = backoff * 2 < MaxBackoff ? backoff * 2 : MaxBackoff;
            }
            catch (Exception)
            {
                break; // stopping: whatever the cancelled call threw
            }

            try
            {
                await WaitAsync(wait, wakeOnPublish, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>One pass: a lease when there is none, the changed views, the keep-alive when due.</summary>
    private async Task StepAsync(CancellationToken stop)
    {
        if (_leaseId == 0)
        {
            using var timeout = Timeout(stop);
            var granted = await _client.LeaseGrantAsync(new LeaseGrantRequest { TTL = (long)_options.LeaseTtl.TotalSeconds }, cancellationToken: timeout.Token);
            _leaseId = granted.ID;
            _renewedAt = _time.GetTimestamp();
            _nextKeepAlive = _renewedAt + KeepAliveTicks();
            _dirty.UnionWith(_views.Keys);
            LogLeaseGranted(_logger, _options.EdgeId, granted.ID, granted.TTL);
        }

        foreach (var service in _removed.ToArray())
        {
            using var timeout = Timeout(stop);
            await _client.DeleteAsync(new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(_keys.View(_options.EdgeId, service)) }, cancellationToken: timeout.Token);
            _removed.Remove(service);
            LogViewRemoved(_logger, _options.EdgeId, service);
        }

        foreach (var service in _dirty.ToArray())
        {
            var value = JsonSerializer.SerializeToUtf8Bytes(_views[service], FleetJsonContext.Default.FleetServiceView);
            using var timeout = Timeout(stop);
            await _client.PutAsync(
                new PutRequest { Key = ByteString.CopyFromUtf8(_keys.View(_options.EdgeId, service)), Value = ByteString.CopyFrom(value), Lease = _leaseId },
                cancellationToken: timeout.Token);
            _dirty.Remove(service);
        }

        if (_time.GetTimestamp() >= _nextKeepAlive)
        {
            await KeepAliveAsync(stop);
        }
    }

    private async Task KeepAliveAsync(CancellationToken stop)
    {
        long ttl = -1;
        using (var timeout = Timeout(stop))
        {
            await _client.LeaseKeepAlive(new LeaseKeepAliveRequest { ID = _leaseId }, response => ttl = response.TTL, timeout.Token, null);
        }

        if (ttl <= 0)
        {
            // Expired while etcd was out of reach (or revoked): grant a new lease and publish again at once.
            LogLeaseExpired(_logger, _options.EdgeId, _leaseId);
            _leaseId = 0;
            await StepAsync(stop);
            return;
        }

        _renewedAt = _time.GetTimestamp();
        _nextKeepAlive = _renewedAt + KeepAliveTicks();
        RestampOldViews();
    }

    /// <summary>
    /// Marks every view published a TTL ago or more for publishing again with a new time, so the fleet can tell a
    /// fresh view (<see cref="FleetAgreement"/> counts only those) from one a stuck edge left behind.
    /// </summary>
    private void RestampOldViews()
    {
        var now = _time.GetUtcNow();
        foreach (var (service, view) in _views.ToArray())
        {
            if (now - view.PublishedAt >= _options.LeaseTtl)
            {
                _views[service] = view with { PublishedAt = now };
                _dirty.Add(service);
            }
        }
    }

    /// <summary>Turns the recorded snapshots into views; a view that says what the published one says is not sent again.</summary>
    private void TakePending()
    {
        var now = _time.GetUtcNow();
        foreach (var service in _pendingHealth.Keys)
        {
            if (_pendingHealth.TryRemove(service, out var health))
            {
                Stage(FleetServiceView.From(_options.EdgeId, health, _views.GetValueOrDefault(service), now));
            }
        }

        foreach (var service in _pendingViews.Keys)
        {
            if (_pendingViews.TryRemove(service, out var view))
            {
                Stage(view);
            }
        }

        ForgetRemovedServices();
    }

    /// <summary>Views of services the edge no longer has (<see cref="Retain"/>) leave the published set and are deleted from etcd.</summary>
    private void ForgetRemovedServices()
    {
        if (_services is not { } services)
        {
            return;
        }

        foreach (var service in _views.Keys.ToArray())
        {
            if (!services.Contains(service))
            {
                _views.Remove(service);
                _dirty.Remove(service);
                _removed.Add(service);
            }
        }
    }

    private void Stage(FleetServiceView view)
    {
        if (_services is { } services && !services.Contains(view.Service))
        {
            return; // a snapshot of a service a reload removed, sent before the reload
        }

        if (!view.SameRegionsAs(_views.GetValueOrDefault(view.Service)))
        {
            _views[view.Service] = view;
            _dirty.Add(view.Service);
        }
    }

    private async Task WaitAsync(TimeSpan delay, bool wakeOnPublish, CancellationToken stop)
    {
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        using var done = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var delayed = Task.Delay(delay, _time, done.Token);
        var woken = wakeOnPublish ? _wake.WaitAsync(done.Token) : delayed;
        await Task.WhenAny(delayed, woken);
        await done.CancelAsync();
        stop.ThrowIfCancellationRequested();
    }

    private CallDeadline Timeout(CancellationToken stop) => new(_callTimeout, _time, stop);

    private long KeepAliveTicks() => (long)(_options.LeaseTtl.TotalSeconds / 3 * _time.TimestampFrequency);

    private void SetStatus(FleetConnection state, string? error)
    {
        var before = _status;
        _status = new FleetMemberStatus(state, _leaseId, error);
        _metrics?.FleetEtcdUp.Set(state == FleetConnection.Connected ? 1 : 0);
        if (before.State == state)
        {
            return;
        }

        if (state == FleetConnection.Unreachable)
        {
            LogUnreachable(_logger, _options.EdgeId, error ?? "", MaxBackoff.TotalSeconds);
        }
        else if (state == FleetConnection.Connected && before.State == FleetConnection.Unreachable)
        {
            LogReachable(_logger, _options.EdgeId, _views.Count);
        }
    }

    private static bool IsLeaseGone(Exception e) =>
        e is RpcException { StatusCode: StatusCode.NotFound } || e.Message.Contains("lease not found", StringComparison.OrdinalIgnoreCase);

    private static string Describe(Exception e) => e switch
    {
        RpcException rpc => $"{rpc.StatusCode}: {(rpc.Status.Detail.Length > 200 ? rpc.Status.Detail[..200] : rpc.Status.Detail)}",
        OperationCanceledException => "no answer within the call timeout",
        _ => $"{e.GetType().Name}: {(e.Message.Length > 200 ? e.Message[..200] : e.Message)}",
    };
}

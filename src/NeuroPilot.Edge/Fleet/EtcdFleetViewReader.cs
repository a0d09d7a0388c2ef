using System.Text.Json;
using dotnet_etcd;
using Grpc.Core;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Fleet.Internal;

namespace NeuroPilot.Edge.Fleet;

/// <summary>
/// The read side of the fleet: every <see cref="RefreshInterval"/> it reads all members' views and the shared drains
/// with two prefix Gets (<c>{Prefix}members/</c>, <c>{Prefix}drains/</c>) and publishes them as one immutable <see cref="FleetView"/> (<see cref="Current"/>,
/// <see cref="Changed"/>). A periodic read, not a watch: it needs no resumable stream state, is the same code after
/// an outage as at start, and two reads every half second per edge are nothing to etcd. When etcd cannot be read,
/// <see cref="Current"/> keeps the last view read (its <see cref="FleetView.ReadAt"/> tells how old it is) and
/// <see cref="State"/> says so; nothing is thrown.
/// </summary>
public sealed partial class EtcdFleetViewReader : IAsyncDisposable
{
    /// <summary>Every half second: a drain made through one edge is followed by the others within a second.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(500);

    private readonly EtcdClient _client;
    private readonly FleetKeys _keys;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _callTimeout;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private volatile FleetView _current = FleetView.Empty;
    private volatile FleetConnection _state = FleetConnection.Connecting;
    private volatile string? _lastError;
    private volatile bool _hasRead;

    private readonly Telemetry.EdgeMetrics? _metrics;

    public EtcdFleetViewReader(EtcdClient client, FleetOptions options, TimeProvider time, ILogger<EtcdFleetViewReader> logger, Telemetry.EdgeMetrics? metrics = null)
    {
        _metrics = metrics;
        _client = client;
        _keys = new FleetKeys(options.Prefix);
        _time = time;
        _logger = logger;
        _callTimeout = CallDeadline.TimeoutFor(options.LeaseTtl);
    }

    /// <summary>Raised after each read that changed the view (outside any lock, on the reader's loop).</summary>
    public event Action<FleetView>? Changed;

    public FleetView Current => _current;

    public FleetConnection State => _state;

    /// <summary>
    /// Whether etcd has been read at least once since start (until then <see cref="Current"/> is empty, not known) and
    /// that read handed to <see cref="Changed"/>'s subscribers.
    /// </summary>
    public bool HasRead => _hasRead;

    /// <summary>Why the last read failed, while <see cref="State"/> is <see cref="FleetConnection.Unreachable"/>.</summary>
    public string? LastError => _lastError;

    public void Start() => _loop ??= Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);

    public async ValueTask DisposeAsync()
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

        _state = FleetConnection.Stopped;
        _stopping.Dispose();
    }

    /// <summary>Reads once now; true when etcd answered.</summary>
    public async Task<bool> RefreshAsync(CancellationToken stop)
    {
        try
        {
            using var deadline = new CallDeadline(_callTimeout, _time, stop);
            var members = await _client.GetRangeAsync(_keys.Members, cancellationToken: deadline.Token);
            var drains = await _client.GetRangeAsync(_keys.Drains, cancellationToken: deadline.Token);
            var view = Parse(members, drains);
            var changed = !_hasRead || !SameMembers(view, _current) || !view.Drains.SequenceEqual(_current.Drains);
            _current = view;
            _metrics?.FleetMembers.Set(view.Members.Count);
            SetState(FleetConnection.Connected, null);
            if (changed)
            {
                Changed?.Invoke(view);
            }

            // Only now: readiness waits on HasRead, and the subscribers (the drains followed) have the view.
            _hasRead = true;
            return true;
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException && !stop.IsCancellationRequested)
        {
            _metrics?.FleetEtcdErrors.WithLabels("view").Inc();
            SetState(FleetConnection.Unreachable, e is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : "no answer within the call timeout");
            return false;
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stop);
                await Task.Delay(RefreshInterval, _time, stop);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // A subscriber threw, or something unforeseen: keep reading, say it once per state change.
                SetState(FleetConnection.Unreachable, $"{e.GetType().Name}: {e.Message}");
            }
        }
    }

    private FleetView Parse(Etcdserverpb.RangeResponse response, Etcdserverpb.RangeResponse drainsResponse)
    {
        var members = new Dictionary<string, Dictionary<string, FleetServiceView>>(StringComparer.Ordinal);
        foreach (var kv in response.Kvs)
        {
            if (!_keys.TryParseView(kv.Key.ToStringUtf8(), out var edgeId, out var service))
            {
                continue;
            }

            FleetServiceView? view;
            try
            {
                view = JsonSerializer.Deserialize(kv.Value.Span, FleetJsonContext.Default.FleetServiceView);
            }
            catch (JsonException e)
            {
                LogUnreadableView(_logger, edgeId, service, e.Message);
                continue;
            }

            if (view is not null)
            {
                if (!members.TryGetValue(edgeId, out var views))
                {
                    members[edgeId] = views = new Dictionary<string, FleetServiceView>(StringComparer.Ordinal);
                }

                views[service] = view;
            }
        }

        var drains = new List<FleetDrain>();
        foreach (var kv in drainsResponse.Kvs)
        {
            try
            {
                if (JsonSerializer.Deserialize(kv.Value.Span, FleetJsonContext.Default.FleetDrain) is { Drained: true } drain)
                {
                    drains.Add(drain);
                }
            }
            catch (JsonException e)
            {
                LogUnreadableView(_logger, "(drain)", kv.Key.ToStringUtf8(), e.Message);
            }
        }

        drains.Sort((a, b) => string.CompareOrdinal($"{a.Service}/{a.Region}", $"{b.Service}/{b.Region}"));
        return new FleetView(
            members.ToDictionary(m => m.Key, m => (IReadOnlyDictionary<string, FleetServiceView>)m.Value, StringComparer.Ordinal),
            drains,
            Math.Max(response.Header?.Revision ?? 0, drainsResponse.Header?.Revision ?? 0),
            _time.GetUtcNow());
    }

    private static bool SameMembers(FleetView a, FleetView b) =>
        a.Members.Count == b.Members.Count && a.Members.All(m =>
            b.Members.TryGetValue(m.Key, out var other) && m.Value.Count == other.Count &&
            m.Value.All(v => other.TryGetValue(v.Key, out var view) && v.Value.SameRegionsAs(view)));

    private void SetState(FleetConnection state, string? error)
    {
        var before = _state;
        _lastError = error;
        _state = state;
        if (before == state)
        {
            return;
        }

        if (state == FleetConnection.Unreachable)
        {
            LogUnreachable(_logger, error ?? "", _current.Members.Count);
        }
        else if (before == FleetConnection.Unreachable)
        {
            LogReachable(_logger, _current.Members.Count);
        }
    }
}

using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Fleet.Internal;

namespace NeuroPilot.Edge.Fleet;

/// <summary>
/// The fleet's one DNS writer, elected through etcd. Every <see cref="CheckInterval"/> this edge campaigns with one
/// transaction: if <c>{Prefix}leader</c> does not exist (its CreateRevision is 0), put this edge's id there on this
/// edge's lease; else read who holds it. That is what etcd's election API does underneath (a lease-bound key created
/// only while absent); a plain transaction keeps the loop the same after an outage as at start, with no campaign call
/// blocked on etcd to cancel, and tells a follower who leads in the same answer.
/// <para>
/// The key lives while its holder's lease does: a leader that stops resigns (deletes the key if it is still on its
/// lease) and another edge leads on its next check; a leader that dies or loses etcd longer than the TTL loses the key
/// with its lease. This edge never believes it leads without proof: <see cref="IsLeader"/> is true only while the last
/// check, less than two intervals ago, found the key on this edge's current lease; a failed check (etcd unreachable,
/// no answer within the call timeout) or no lease makes it a non-leader at once.
/// </para>
/// </summary>
public sealed partial class FleetLeadership : IAsyncDisposable
{
    /// <summary>How often the edge campaigns (and a follower learns who leads): a resigned leader is replaced within it.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(500);

    private readonly EtcdClient _client;
    private readonly FleetOptions _options;
    private readonly Func<long> _leaseId;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Telemetry.EdgeMetrics? _metrics;
    private readonly ByteString _key;
    private readonly TimeSpan _callTimeout;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private long _provenAt;
    private long _heldOnLease;
    private volatile FleetLeaderStatus _status = FleetLeaderStatus.Starting;

    /// <param name="leaseId">This edge's live lease (0: none, or not known to be alive), read before each campaign.</param>
    public FleetLeadership(EtcdClient client, FleetOptions options, Func<long> leaseId, TimeProvider time, ILogger<FleetLeadership> logger, Telemetry.EdgeMetrics? metrics = null)
    {
        _client = client;
        _options = options;
        _leaseId = leaseId;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _key = ByteString.CopyFromUtf8(new FleetKeys(options.Prefix).Leader);
        _callTimeout = CallDeadline.TimeoutFor(options.LeaseTtl);
    }

    /// <summary>Raised after a check that changed the leader or this edge's connection to etcd (on the loop, outside any lock).</summary>
    public event Action<FleetLeaderStatus>? Changed;

    public string EdgeId => _options.EdgeId;

    public FleetLeaderStatus Status => _status;

    /// <summary>Whether this edge leads, proven by a check less than two intervals ago on its current lease.</summary>
    public bool IsLeader =>
        _status.IsLeader && _time.GetElapsedTime(Volatile.Read(ref _provenAt)) < CheckInterval * 2 && _leaseId() == Volatile.Read(ref _heldOnLease);

    public void Start() => _loop ??= Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);

    /// <summary>Stops campaigning and resigns: the key is deleted if it is still on this edge's lease.</summary>
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

        if (_status.IsLeader && Volatile.Read(ref _heldOnLease) is var lease and not 0)
        {
            await ResignAsync(lease);
        }

        Set(new FleetLeaderStatus(FleetConnection.Stopped, null, false, _time.GetUtcNow(), null));
        _stopping.Dispose();
    }

    /// <summary>Campaigns once now (or only reads, without a lease); true when etcd answered.</summary>
    public async Task<bool> CheckAsync(CancellationToken stop)
    {
        var lease = _leaseId();
        try
        {
            using var deadline = new CallDeadline(_callTimeout, _time, stop);
            var started = _time.GetTimestamp();
            var holder = await CampaignOrRetryRefusedAsync(lease, deadline.Token);
            var leads = lease != 0 && holder is { } kv && kv.Lease == lease;
            Volatile.Write(ref _heldOnLease, leads ? lease : 0);
            Volatile.Write(ref _provenAt, started);
            Set(new FleetLeaderStatus(FleetConnection.Connected, holder?.Value.ToStringUtf8(), leads, _time.GetUtcNow(), null));
            return true;
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException && !stop.IsCancellationRequested)
        {
            _metrics?.FleetEtcdErrors.WithLabels("leader").Inc();
            Volatile.Write(ref _heldOnLease, 0);
            var error = e is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : "no answer within the call timeout";
            Set(new FleetLeaderStatus(FleetConnection.Unreachable, null, false, _time.GetUtcNow(), error));
            return false;
        }
    }

    /// <summary>
    /// The campaign; a call refused at once (Unavailable: the member the client picked is stopped or restarting) is asked
    /// once more within the same deadline, of another member, so that losing one etcd member while the majority stands
    /// does not unseat the leader for a check. Safe to repeat: a campaign that did land is read back as this lease's.
    /// </summary>
    private async Task<Mvccpb.KeyValue?> CampaignOrRetryRefusedAsync(long lease, CancellationToken token)
    {
        try
        {
            return await CampaignAsync(lease, token);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && !token.IsCancellationRequested)
        {
            return await CampaignAsync(lease, token);
        }
    }

    /// <summary>The leader key as etcd holds it after this campaign (null: nobody leads).</summary>
    private async Task<Mvccpb.KeyValue?> CampaignAsync(long lease, CancellationToken token)
    {
        if (lease == 0)
        {
            var read = await _client.GetAsync(new RangeRequest { Key = _key }, cancellationToken: token);
            return read.Kvs.Count > 0 ? read.Kvs[0] : null;
        }

        var value = ByteString.CopyFromUtf8(_options.EdgeId);
        var campaign = new TxnRequest
        {
            Compare = { new Compare { Key = _key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 } },
            Success = { new RequestOp { RequestPut = new PutRequest { Key = _key, Value = value, Lease = lease } } },
            Failure = { new RequestOp { RequestRange = new RangeRequest { Key = _key } } },
        };
        var response = await _client.TransactionAsync(campaign, cancellationToken: token);
        if (response.Succeeded)
        {
            return new Mvccpb.KeyValue { Key = _key, Value = value, Lease = lease };
        }

        var kvs = response.Responses[0].ResponseRange.Kvs;
        return kvs.Count > 0 ? kvs[0] : null;
    }

    private async Task ResignAsync(long lease)
    {
        var resign = new TxnRequest
        {
            Compare = { new Compare { Key = _key, Target = Compare.Types.CompareTarget.Lease, Result = Compare.Types.CompareResult.Equal, Lease = lease } },
            Success = { new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = _key } } },
        };
        try
        {
            using var deadline = new CallDeadline(_callTimeout, _time, CancellationToken.None);
            await _client.TransactionAsync(resign, cancellationToken: deadline.Token);
            LogResigned(_logger, _options.EdgeId);
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            LogResignFailed(_logger, _options.EdgeId, e is RpcException rpc ? rpc.StatusCode.ToString() : "no answer within the call timeout");
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await CheckAsync(stop);
                await Task.Delay(CheckInterval, _time, stop);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // A subscriber threw, or something unforeseen: not leader, keep checking.
                Volatile.Write(ref _heldOnLease, 0);
                Set(new FleetLeaderStatus(FleetConnection.Unreachable, null, false, _time.GetUtcNow(), $"{e.GetType().Name}: {e.Message}"));
            }
        }
    }

    private void Set(FleetLeaderStatus status)
    {
        var before = _status;
        _status = status;
        _metrics?.FleetLeader.Set(status.IsLeader ? 1 : 0);
        if (before.State == status.State && before.Leader == status.Leader && before.IsLeader == status.IsLeader)
        {
            return;
        }

        if (before.Leader != status.Leader || before.IsLeader != status.IsLeader)
        {
            _metrics?.FleetLeaderChanges.Inc();
        }

        if (status.State == FleetConnection.Unreachable && before.State != FleetConnection.Unreachable)
        {
            LogUnreachable(_logger, _options.EdgeId, status.LastError ?? "");
        }
        else if (status.IsLeader)
        {
            LogLeading(_logger, _options.EdgeId);
        }
        else if (status.State == FleetConnection.Connected)
        {
            LogFollowing(_logger, _options.EdgeId, status.Leader ?? "(none)");
        }

        Changed?.Invoke(status);
    }
}

using System.Text.Json;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Fleet.Internal;

namespace NeuroPilot.Edge.Fleet;

/// <summary>
/// Writes the fleet's shared drains: a drain puts <c>{Prefix}drains/{Service}/{Region}</c>, an undrain deletes it, and
/// both put the audit record <c>{Prefix}audit/drains/{Service}/{Region}</c>, in one etcd transaction. Every edge
/// follows the drains it reads (<see cref="EtcdFleetViewReader"/>). A write that etcd does not confirm within the call
/// timeout is reported as failed (the caller says so to the operator); it is never retried behind their back.
/// </summary>
public sealed partial class EtcdFleetDrains(EtcdClient client, FleetOptions options, TimeProvider time, ILogger<EtcdFleetDrains> logger, Telemetry.EdgeMetrics? metrics = null)
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(3);

    private readonly FleetKeys _keys = new(options.Prefix);
    private long _lastWriteRevision;

    /// <summary>
    /// etcd's revision after this edge's last drain write: a fleet view read before it (a lower revision) does not
    /// know that write yet and must not undo it here.
    /// </summary>
    public long LastWriteRevision => Volatile.Read(ref _lastWriteRevision);

    /// <summary>Drains (or undrains) a region for the whole fleet; null when etcd confirmed it, else why not.</summary>
    public async Task<string?> SetAsync(string service, string region, bool drain, string by, CancellationToken cancellationToken)
    {
        var record = new FleetDrain(service, region, drain, by, time.GetUtcNow(), options.EdgeId);
        var value = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(record, FleetJsonContext.Default.FleetDrain));
        var key = ByteString.CopyFromUtf8(_keys.Drain(service, region));
        var transaction = new TxnRequest
        {
            Success =
            {
                drain
                    ? new RequestOp { RequestPut = new PutRequest { Key = key, Value = value } }
                    : new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = key } },
                new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(_keys.DrainAudit(service, region)), Value = value } },
            },
        };
        try
        {
            using var deadline = new CallDeadline(CallTimeout, time, cancellationToken);
            var response = await client.TransactionAsync(transaction, cancellationToken: deadline.Token);
            var revision = response.Header?.Revision ?? 0;
            for (var seen = LastWriteRevision; revision > seen; seen = LastWriteRevision)
            {
                if (Interlocked.CompareExchange(ref _lastWriteRevision, revision, seen) == seen)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            metrics?.FleetEtcdErrors.WithLabels("drain").Inc();
            var reason = e is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : "etcd did not answer within 3 s";
            LogWriteFailed(logger, drain ? "drain" : "undrain", service, region, by, reason);
            return reason;
        }

        LogWritten(logger, drain ? "drained" : "undrained", service, region, by, options.EdgeId);
        return null;
    }
}

using System.Text.Json;

namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>
/// Sends record operations: in batches (<c>POST dns_records/batch</c>, each one transaction) of at most
/// <see cref="CloudflareProvider.MaxBatchOperations"/>, each change's operations kept in one batch where they fit
/// (<see cref="RecordOperations.Pack"/>). Where the batch endpoint does not exist (an older API, a relay), the rest
/// goes record by record (deletes, then patches, then posts, as the batch would order them; not atomic), and every
/// later apply too. Thread-safe.
/// </summary>
internal sealed partial class BatchApplier(CloudflareTransport transport, string recordsUrl, ILogger logger)
{
    private readonly ILogger _logger = logger;
    private volatile bool _batchUnavailable;

    /// <summary>Sends every operation; returns how (<c>batch</c>, <c>per-record</c>, <c>batch, then per-record</c>). Throws on failure.</summary>
    public async Task<string> SendAsync(IReadOnlyList<RecordOperations> perChange, CloudflareCall call, CancellationToken cancellationToken)
    {
        var batches = RecordOperations.Pack(perChange, CloudflareProvider.MaxBatchOperations);
        for (var i = 0; i < batches.Count; i++)
        {
            if (!_batchUnavailable && await TrySendBatchAsync(batches[i], call, cancellationToken))
            {
                continue;
            }

            // The batch endpoint does not exist here (nothing of this batch was applied): the rest goes record by
            // record, deletes then patches then posts, as the batch would have ordered them. Not atomic.
            await SendPerRecordAsync(RecordOperations.Merge(batches.Skip(i)), call, cancellationToken);
            return i == 0 ? "per-record" : "batch, then per-record";
        }

        return "batch";
    }

    /// <summary>Sends one batch; false when the batch endpoint does not exist (nothing applied), else throws on failure.</summary>
    private async Task<bool> TrySendBatchAsync(RecordOperations batch, CloudflareCall call, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(batch.ToBatchRequest(), CloudflareJsonContext.Default.CloudflareBatchRequest);
        var reply = await transport.SendAsync(HttpMethod.Post, recordsUrl + "/batch", body, CloudflareJsonContext.Default.CloudflareEnvelopeJsonElement, call, cancellationToken);
        if (reply.NoRoute)
        {
            _batchUnavailable = true;
            LogBatchUnavailable(reply.Error!.Code ?? "none", reply.Error.Message);
            return false;
        }

        reply.GetOrThrow();
        return true;
    }

    private async Task SendPerRecordAsync(RecordOperations operations, CloudflareCall call, CancellationToken cancellationToken)
    {
        var typeInfo = CloudflareJsonContext.Default.CloudflareEnvelopeJsonElement;
        foreach (var id in operations.Deletes)
        {
            (await transport.SendAsync(HttpMethod.Delete, $"{recordsUrl}/{Uri.EscapeDataString(id)}", null, typeInfo, call, cancellationToken)).GetOrThrow();
        }

        foreach (var patch in operations.Patches)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(
                new CloudflareRecordPatch { Ttl = patch.Ttl, Proxied = patch.Proxied }, CloudflareJsonContext.Default.CloudflareRecordPatch);
            (await transport.SendAsync(HttpMethod.Patch, $"{recordsUrl}/{Uri.EscapeDataString(patch.Id!)}", body, typeInfo, call, cancellationToken)).GetOrThrow();
        }

        foreach (var post in operations.Posts)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(post, CloudflareJsonContext.Default.CloudflareRecordPost);
            (await transport.SendAsync(HttpMethod.Post, recordsUrl, body, typeInfo, call, cancellationToken)).GetOrThrow();
        }
    }
}

namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>
/// The body of <c>POST /zones/{zone}/dns_records/batch</c>. Cloudflare runs deletes, patches, puts, then posts, as
/// one transaction: any failure and nothing is applied.
/// </summary>
internal sealed class CloudflareBatchRequest
{
    public List<CloudflareRecordId>? Deletes { get; init; }

    public List<CloudflareRecordPatch>? Patches { get; init; }

    public List<CloudflareRecordPost>? Posts { get; init; }
}

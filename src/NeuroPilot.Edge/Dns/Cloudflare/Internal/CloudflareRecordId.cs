namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>One item of a batch's <c>deletes</c>.</summary>
internal sealed class CloudflareRecordId
{
    public required string Id { get; init; }
}

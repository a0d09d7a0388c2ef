namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>A kept record whose TTL or proxied flag changes: one item of a batch's <c>patches</c> (the id is left out of a single <c>PATCH dns_records/{id}</c> body).</summary>
internal sealed class CloudflareRecordPatch
{
    public string? Id { get; init; }

    public required int Ttl { get; init; }

    public required bool Proxied { get; init; }
}

namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>A DNS record as <c>GET /zones/{zone}/dns_records</c> lists it (the fields the provider reads).</summary>
internal sealed class CloudflareRecord
{
    public string? Id { get; init; }

    public string? Name { get; init; }

    public string? Type { get; init; }

    public string? Content { get; init; }

    public int Ttl { get; init; }

    public bool Proxied { get; init; }

    public string? Comment { get; init; }
}

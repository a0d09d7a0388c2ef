namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>A record to create: the body of <c>POST dns_records</c> and one item of a batch's <c>posts</c>.</summary>
internal sealed class CloudflareRecordPost
{
    public required string Name { get; init; }

    public required string Type { get; init; }

    public required string Content { get; init; }

    public required int Ttl { get; init; }

    public required bool Proxied { get; init; }

    /// <summary>Not written (null) today: ownership is the reconciler's business and the contract carries no comment.</summary>
    public string? Comment { get; init; }
}

namespace NeuroPilot.Edge.Configuration;

/// <summary>Cloudflare API v4. The token comes from <c>CLOUDFLARE_API_TOKEN</c> (or the file named by <c>CLOUDFLARE_API_TOKEN_FILE</c>), never from the file.</summary>
public sealed class CloudflareOptions
{
    public required string ZoneId { get; init; }

    public Uri ApiBaseUrl { get; init; } = DnsDefaults.CloudflareApiBaseUrl;

    /// <summary>Publish A/AAAA/CNAME records proxied through Cloudflare (their TTL is then automatic).</summary>
    public bool Proxied { get; init; }

    /// <summary>
    /// Client-side budget: at most this many API requests per 5 minutes from this edge. Cloudflare allows 1,200 per
    /// token; give each edge of a fleet sharing a token its share.
    /// </summary>
    public int RequestsPerFiveMinutes { get; init; } = DnsDefaults.CloudflareRequestsPerFiveMinutes;

    /// <summary>Timeout of one API request.</summary>
    public TimeSpan RequestTimeout { get; init; } = DnsDefaults.CloudflareRequestTimeout;
}

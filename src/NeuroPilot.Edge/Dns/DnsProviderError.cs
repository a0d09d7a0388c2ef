namespace NeuroPilot.Edge.Dns;

/// <summary>Why a provider call failed; the <c>result</c> label of <c>neuropilot_edge_dns_pushes_total</c> follows it.</summary>
public enum DnsProviderError
{
    /// <summary>Timeouts, connection failures, 5xx, SERVFAIL: transient, retried with backoff.</summary>
    Unavailable,

    /// <summary>HTTP 429 or our own client-side budget: wait for <see cref="DnsProviderException.RetryAfter"/>.</summary>
    RateLimited,

    /// <summary>Bad token or TSIG key, or not allowed (Cloudflare 9109/10000, DNS NOTAUTH/REFUSED).</summary>
    Unauthorized,

    /// <summary>The provider no longer holds the state the plan was made against (RFC 2136 prerequisite failed, record id gone).</summary>
    StateChanged,

    /// <summary>The provider rejected the change itself (bad content, TTL, name outside the zone).</summary>
    Rejected,
}

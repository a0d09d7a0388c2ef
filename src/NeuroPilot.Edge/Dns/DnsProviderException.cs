using NeuroPilot.Edge.Dns.Internal;

namespace NeuroPilot.Edge.Dns;

/// <summary>A provider refused or failed a read or an apply. The process carries on; the reconciler retries later.</summary>
public sealed class DnsProviderException : Exception
{
    public DnsProviderException(string provider, DnsProviderError kind, string message, string? code = null, TimeSpan? retryAfter = null, Exception? inner = null)
        : base(message, inner)
    {
        Provider = provider;
        Kind = kind;
        Code = code;
        RetryAfter = retryAfter is { } wait ? WaitLimits.CapProviderWait(wait) : null;
    }

    public string Provider { get; }

    public DnsProviderError Kind { get; }

    /// <summary>The provider's own error code (Cloudflare <c>10429</c>, <c>9109</c>; DNS rcode <c>NOTAUTH</c>, <c>YXRRSET</c>).</summary>
    public string? Code { get; }

    /// <summary>
    /// Do not call the provider again before this much time has passed (Cloudflare <c>Retry-After</c>, our own budget):
    /// between zero and one hour (<see cref="WaitLimits.MaxProviderWait"/>) whatever the provider asked for.
    /// </summary>
    public TimeSpan? RetryAfter { get; }
}

namespace NeuroPilot.Edge.Configuration;

public enum DnsProviderKind
{
    Cloudflare,
    Rfc2136,
}

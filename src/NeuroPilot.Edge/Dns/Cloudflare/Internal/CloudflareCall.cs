namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>One public call (a read or an apply): what it is for messages, its retry rule, the requests it sent.</summary>
internal sealed class CloudflareCall(string what, bool idempotent)
{
    public string What { get; } = what;

    public bool Idempotent { get; } = idempotent;

    public int Requests { get; set; }
}

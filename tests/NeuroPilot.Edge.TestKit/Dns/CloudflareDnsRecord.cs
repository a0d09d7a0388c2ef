namespace NeuroPilot.Edge.Tests.TestKit.Dns;

/// <summary>
/// One DNS record as the <see cref="CloudflareEmulator"/> holds it (a snapshot: the emulator replaces records, it
/// never mutates them). <see cref="Name"/> is the lower-case FQDN without the trailing dot, as Cloudflare returns it;
/// <see cref="Ttl"/> 1 means automatic (always 1 for a proxied record).
/// </summary>
public sealed record CloudflareDnsRecord(
    string Id,
    string Name,
    string Type,
    string Content,
    int Ttl,
    bool Proxied,
    string? Comment,
    int? Priority,
    DateTimeOffset CreatedOn,
    DateTimeOffset ModifiedOn)
{
    /// <summary>Only A, AAAA and CNAME records can be proxied.</summary>
    public bool Proxiable => IsProxiableType(Type);

    public static bool IsProxiableType(string type) => type is "A" or "AAAA" or "CNAME";

    public override string ToString() =>
        $"{Id} {Name} {Type} {Content} ttl={Ttl}{(Proxied ? " proxied" : "")}{(Comment is null ? "" : $" comment=\"{Comment}\"")}";
}

using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Dns;

/// <summary>
/// Every record of one name and type (an RRset), in canonical form so that sets from config and from a provider
/// compare with <see cref="SameContent"/>: <see cref="Name"/> lower case without the trailing dot
/// (<c>api.example.com</c>); values IPv4 dotted, IPv6 compressed lower case, CNAME targets lower case without the
/// trailing dot, TXT as the unquoted text; values sorted ordinally and distinct.
/// </summary>
public sealed record DnsRecordSet
{
    public DnsRecordSet(string name, DnsRecordType type, int ttl, IEnumerable<string> values)
    {
        Name = DnsNames.Normalize(name);
        Type = type;
        Ttl = ttl;
        Values = [.. values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    public string Name { get; }

    public DnsRecordType Type { get; }

    /// <summary>Seconds; 1 means the provider's automatic TTL (Cloudflare).</summary>
    public int Ttl { get; }

    public IReadOnlyList<string> Values { get; }

    /// <summary>Same name, type, TTL and values.</summary>
    public bool SameContent(DnsRecordSet other) =>
        Name == other.Name && Type == other.Type && Ttl == other.Ttl && Values.SequenceEqual(other.Values, StringComparer.Ordinal);

    public override string ToString() => $"{Name} {Ttl} {Type} [{string.Join(", ", Values)}]";
}

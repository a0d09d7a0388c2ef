using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Dns;

/// <summary>
/// Ownership markers, after external-dns' TXT registry: next to every record set it publishes, the edge keeps a TXT
/// record at <c>_neuropilot-edge.{type}.{name}</c> holding <c>heritage=neuropilot-edge,owner={OwnerId}</c>. A TXT
/// marker works the same at every provider (Cloudflare and RFC 2136 servers alike), shows up in any zone export,
/// and lives at its own name so it never shares a name with a CNAME or with the owner's own TXT records
/// (SPF, site verification). The edge changes or deletes a record set only when its marker names this owner.
/// </summary>
public static class DnsOwnership
{
    public const string Heritage = "heritage=neuropilot-edge";
    public const int MarkerTtl = 300;

    private const string OwnerKey = ",owner=";

    public static string MarkerName(string name, DnsRecordType type) =>
        $"_neuropilot-edge.{type.ToString().ToLowerInvariant()}.{DnsNames.Normalize(name)}";

    public static string MarkerValue(string ownerId) => $"{Heritage}{OwnerKey}{ownerId}";

    public static DnsRecordSet Marker(string name, DnsRecordType type, string ownerId, int ttl) =>
        new(MarkerName(name, type), DnsRecordType.TXT, ttl, [MarkerValue(ownerId)]);

    /// <summary>The names a reconciliation reads: every configured record's name and its marker's name.</summary>
    public static IReadOnlyList<string> NamesToRead(IEnumerable<Configuration.DnsRecordOptions> records) =>
        [.. records.SelectMany(r => new[] { r.Name, MarkerName(r.Name, r.Type) }).Distinct(StringComparer.Ordinal)];

    /// <summary>True when <paramref name="marker"/> exists and every value of it names <paramref name="ownerId"/>.</summary>
    public static bool IsOwnedBy(DnsRecordSet? marker, string ownerId) =>
        marker is { Values.Count: > 0 } && marker.Values.All(v => ReadOwner(v) == ownerId);

    /// <summary>The owner id a marker value names, or null when the TXT value is not one of our markers.</summary>
    public static string? ReadOwner(string value)
    {
        if (!value.StartsWith(Heritage + OwnerKey, StringComparison.Ordinal))
        {
            return null;
        }

        var owner = value[(Heritage.Length + OwnerKey.Length)..];
        var end = owner.IndexOf(',', StringComparison.Ordinal);
        return end < 0 ? owner : owner[..end];
    }
}

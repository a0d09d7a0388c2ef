namespace NeuroPilot.Edge.Configuration;

/// <summary>One published record set: its name and type, the service whose region health drives it, and each region's values.</summary>
public sealed class DnsRecordOptions
{
    /// <summary>Fully qualified, canonical (lower case, no trailing dot).</summary>
    public required string Name { get; init; }

    public DnsRecordType Type { get; init; } = DnsRecordType.A;

    public int Ttl { get; init; } = DnsDefaults.Ttl;

    public required string Service { get; init; }

    public DnsPolicy Policy { get; init; } = DnsPolicy.Failover;

    /// <summary>Region name to its values (canonical, see <c>Dns.DnsRecordSet</c>), in the service's region order.</summary>
    public required IReadOnlyList<(string Region, IReadOnlyList<string> Values)> Regions { get; init; }
}

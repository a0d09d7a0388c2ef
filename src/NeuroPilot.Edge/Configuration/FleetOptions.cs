namespace NeuroPilot.Edge.Configuration;

/// <summary>
/// The optional <c>Fleet</c> section: this edge joins a fleet of edges coordinated through etcd. Without it the edge
/// decides alone, as before.
/// </summary>
public sealed class FleetOptions
{
    public required EtcdOptions Etcd { get; init; }

    /// <summary>Every key of the fleet lives under this prefix; it starts and ends with '/'.</summary>
    public string Prefix { get; init; } = FleetDefaults.Prefix;

    /// <summary>This edge's name in the fleet: [a-z0-9-_.], at most 63 characters; the host name when unwritten.</summary>
    public required string EdgeId { get; init; }

    /// <summary>How long this edge's membership (and its published views) outlive its last keep-alive.</summary>
    public TimeSpan LeaseTtl { get; init; } = FleetDefaults.LeaseTtl;

    /// <summary>How many live edges must agree before DNS moves a region.</summary>
    public FleetQuorum DnsQuorum { get; init; } = FleetQuorum.Majority;
}

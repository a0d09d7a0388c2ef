namespace NeuroPilot.Edge.Configuration;

/// <summary>The whole config file, validated. Immutable: a reload builds a new one.</summary>
public sealed class EdgeConfig
{
    public required EdgeOptions Edge { get; init; }

    /// <summary>Services in file order; matching tries them in this order.</summary>
    public required IReadOnlyList<ServiceOptions> Services { get; init; }

    /// <summary>The DNS pusher; null when the file has no <c>Dns</c> section.</summary>
    public DnsOptions? Dns { get; init; }

    /// <summary>The fleet this edge belongs to; null when the file has no <c>Fleet</c> section (the edge decides alone).</summary>
    public FleetOptions? Fleet { get; init; }
}

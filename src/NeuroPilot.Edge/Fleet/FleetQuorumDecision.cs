namespace NeuroPilot.Edge.Fleet;

/// <summary>What a quorum of the fleet decided of a region for DNS; <see cref="Dns"/> spells it in metrics and status.</summary>
public enum FleetQuorumDecision
{
    /// <summary>No quorum either way: DNS keeps what it publishes now.</summary>
    Kept,

    /// <summary>At least the quorum sees the region unusable.</summary>
    Down,

    /// <summary>At least the quorum sees the region usable.</summary>
    Up,
}

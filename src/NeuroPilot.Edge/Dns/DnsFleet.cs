using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Fleet;

namespace NeuroPilot.Edge.Dns;

/// <summary>
/// What the DNS pusher needs of the fleet (only with a <c>Fleet</c> section): whether this edge is the proven leader
/// now, who leads as last read, and every member's views. Read by the reconciler's loop at each turn; no I/O.
/// </summary>
public sealed record DnsFleet(FleetOptions Options, Func<bool> IsLeader, Func<FleetLeaderStatus> Leader, Func<FleetView> View)
{
    public static DnsFleet From(FleetMembership fleet) =>
        new(fleet.Options, () => fleet.Leadership.IsLeader, () => fleet.Leadership.Status, () => fleet.Reader.Current);

    /// <summary>A member's view older than this does not vote: three TTLs (members publish again every TTL).</summary>
    public TimeSpan StaleAfter => Options.LeaseTtl * 3;
}

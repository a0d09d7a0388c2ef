namespace NeuroPilot.Edge.Fleet;

/// <summary>
/// Who writes DNS for the fleet, as this edge last proved it: its connection to etcd, the leader's edge id (null: none
/// known), whether that is this edge, when it was last read, and why the last read failed while unreachable.
/// </summary>
public sealed record FleetLeaderStatus(FleetConnection State, string? Leader, bool IsLeader, DateTimeOffset CheckedAt, string? LastError)
{
    public static FleetLeaderStatus Starting { get; } = new(FleetConnection.Connecting, null, false, DateTimeOffset.MinValue, null);
}

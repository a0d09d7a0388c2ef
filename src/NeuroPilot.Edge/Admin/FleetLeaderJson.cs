namespace NeuroPilot.Edge.Admin;

/// <summary>
/// The fleet's DNS writer in <c>GET /admin/fleet</c>: who leads as this edge last read it (null: none known), whether
/// that is this edge (proven within the last two checks), how the election stands with etcd and its last error.
/// </summary>
public sealed record FleetLeaderJson(string? EdgeId, bool ThisEdge, string State, DateTimeOffset? CheckedAt, string? LastError);

using NeuroPilot.Edge.Fleet;

namespace NeuroPilot.Edge.Admin;

/// <summary>One live member of the fleet in <c>GET /admin/fleet</c>: its id and its published view of each service.</summary>
public sealed record FleetMemberJson(string EdgeId, IReadOnlyList<FleetServiceView> Services);

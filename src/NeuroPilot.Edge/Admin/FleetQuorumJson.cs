namespace NeuroPilot.Edge.Admin;

/// <summary>
/// One region's quorum decision in <c>GET /admin/fleet</c>: whether DNS may publish it, the decision (<c>down</c>,
/// <c>up</c>, <c>kept</c>), how many edges with a fresh view see it usable and unusable, and how many must agree.
/// </summary>
public sealed record FleetQuorumJson(string Service, string Region, bool Publish, string Decision, int SeeUsable, int SeeUnusable, int Required);

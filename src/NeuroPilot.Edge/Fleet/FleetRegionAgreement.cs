namespace NeuroPilot.Edge.Fleet;

/// <summary>
/// One region as the fleet agrees on it for DNS: whether DNS may publish it (<see cref="Usable"/>), the decision that
/// gave it, and the votes: how many edges with a fresh view saw it usable and unusable, and how many had to agree.
/// </summary>
public sealed record FleetRegionAgreement(string Region, bool Usable, FleetQuorumDecision Decision, int SeeUsable, int SeeUnusable, int Required);

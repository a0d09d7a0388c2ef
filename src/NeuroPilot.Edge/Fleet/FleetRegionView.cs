namespace NeuroPilot.Edge.Fleet;

/// <summary>One region as one edge sees it: usable or not, why (<see cref="Routing.RegionHealth.Reason"/>), and since when.</summary>
public sealed record FleetRegionView(string Region, bool Usable, string Reason, DateTimeOffset Since);

namespace NeuroPilot.Edge.Fleet;

/// <summary>
/// An operator's drain of one region, shared by the fleet (<c>{Prefix}drains/{Service}/{Region}</c>) with its audit:
/// who asked (<see cref="By"/>), when, and through which edge. <see cref="Drained"/> is false in the audit record of an
/// undrain (<c>{Prefix}audit/drains/{Service}/{Region}</c> keeps the last action on each region).
/// </summary>
public sealed record FleetDrain(string Service, string Region, bool Drained, string By, DateTimeOffset At, string EdgeId);

namespace NeuroPilot.Edge.Dns;

/// <summary>
/// A region as DNS sees it: its priority in the service, whether DNS publishes it (after hold-down; null: not probed
/// yet), and whether it is usable right now (<see cref="Live"/>, no hold-down).
/// </summary>
public readonly record struct RegionView(int Priority, bool? Published, bool Live);

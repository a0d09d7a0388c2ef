namespace NeuroPilot.Edge.Dns;

/// <summary>A region as DNS sees it: its priority in the service and whether DNS publishes it (null: not probed yet).</summary>
public readonly record struct RegionView(int Priority, bool? Published);

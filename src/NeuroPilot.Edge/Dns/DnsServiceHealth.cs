namespace NeuroPilot.Edge.Dns;

/// <summary>
/// A service's health as a DNS round takes it, from the health agent's snapshot: its regions in priority order with
/// whether each is usable now, whether every destination has a settled probe result (<see cref="ProbesSettled"/>),
/// and after how long from start-up it is taken as settled anyway (<see cref="SettleAfter"/>).
/// </summary>
public sealed record DnsServiceHealth(string Name, IReadOnlyList<DnsRegionHealth> Regions, bool ProbesSettled, TimeSpan SettleAfter);

namespace NeuroPilot.Edge.Dns;

/// <summary>One region of a <see cref="DnsServiceHealth"/>: its name and whether the health agent finds it usable now.</summary>
public readonly record struct DnsRegionHealth(string Name, bool Usable);

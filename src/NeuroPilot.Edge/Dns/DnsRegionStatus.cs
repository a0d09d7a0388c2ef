namespace NeuroPilot.Edge.Dns;

/// <summary>One region's hold-down state for status: <see cref="Published"/> follows <see cref="Live"/> once it has held long enough.</summary>
public sealed record DnsRegionStatus(string Service, string Region, bool? Live, bool? Published, DateTimeOffset? Since);

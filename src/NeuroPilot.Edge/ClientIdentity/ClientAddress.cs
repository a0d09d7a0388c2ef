namespace NeuroPilot.Edge.ClientIdentity;

/// <summary>Who sent a request, as the edge decided it (<see cref="ClientAddressResolver"/>).</summary>
/// <param name="Address">The client's address as text (<c>203.0.113.7</c>, <c>2001:db8::1</c>); null when the connection has none (tests).</param>
/// <param name="FromTrustedProxy">The TCP peer is a trusted proxy: its forwarding headers are passed on.</param>
public readonly record struct ClientAddress(string? Address, bool FromTrustedProxy);

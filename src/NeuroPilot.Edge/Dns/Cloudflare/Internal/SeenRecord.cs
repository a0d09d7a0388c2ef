namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>One Cloudflare record as the last read saw it: its id and its value in canonical form.</summary>
internal sealed record SeenRecord(string Id, string Value, int Ttl, bool Proxied);

namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>Why an apply is refused before sending anything: for the log line and the exception.</summary>
internal sealed record ApplyRefusal(string Name, string Type, string Detail, DnsProviderException Error);

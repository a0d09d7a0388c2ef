namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>A record set as the last read returned it, with the records (and their ids) it was made of.</summary>
internal sealed record SeenRecordSet(DnsRecordSet Set, IReadOnlyList<SeenRecord> Records);

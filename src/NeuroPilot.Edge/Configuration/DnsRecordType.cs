namespace NeuroPilot.Edge.Configuration;

/// <summary>Record types the DNS pusher publishes (A, AAAA, CNAME) and uses for its ownership markers (TXT).</summary>
public enum DnsRecordType
{
    A,
    AAAA,
    CNAME,
    TXT,
}

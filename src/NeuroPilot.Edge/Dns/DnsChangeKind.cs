namespace NeuroPilot.Edge.Dns;

public enum DnsChangeKind
{
    Create,
    Update,
    Delete,
}

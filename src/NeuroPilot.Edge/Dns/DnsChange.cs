using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Dns;

/// <summary>
/// One change of a plan: create (<see cref="Before"/> null), replace, or delete (<see cref="After"/> null) a whole
/// record set. <see cref="Before"/> is the state the plan was made against: a provider that can make the change
/// conditional (RFC 2136 prerequisites) applies it only if the server still holds exactly that.
/// </summary>
public sealed record DnsChange(DnsRecordSet? Before, DnsRecordSet? After)
{
    public DnsChangeKind Kind => Before is null ? DnsChangeKind.Create : After is null ? DnsChangeKind.Delete : DnsChangeKind.Update;

    public string Name => (After ?? Before)!.Name;

    public DnsRecordType Type => (After ?? Before)!.Type;

    public override string ToString() => Kind switch
    {
        DnsChangeKind.Create => $"+ {After}",
        DnsChangeKind.Delete => $"- {Before}",
        _ => $"~ {Name} {Type}: [{string.Join(", ", Before!.Values)}] ttl {Before.Ttl} -> [{string.Join(", ", After!.Values)}] ttl {After.Ttl}",
    };
}

using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Dns;

/// <summary>
/// The record set health asks for (<see cref="Set"/>), or why there is none (<see cref="HeldReason"/>); when
/// <see cref="NeverEmpty"/>, every region the record publishes is down and the never-empty rule keeps the last answer.
/// <see cref="LiveValues"/>: the configured values of the regions usable right now (a set made of them is acceptable).
/// </summary>
public sealed record DesiredRecord(DnsRecordOptions Options, DnsRecordSet? Set, string? HeldReason, bool NeverEmpty = false)
{
    public IReadOnlySet<string> LiveValues { get; init; } = new HashSet<string>(StringComparer.Ordinal);
}

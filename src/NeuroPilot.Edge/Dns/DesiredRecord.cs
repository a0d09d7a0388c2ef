using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Dns;

/// <summary>
/// The record set health asks for (<see cref="Set"/>), or why there is none (<see cref="HeldReason"/>); when
/// <see cref="NeverEmpty"/>, every region the record publishes is down and the never-empty rule keeps the last answer.
/// </summary>
public sealed record DesiredRecord(DnsRecordOptions Options, DnsRecordSet? Set, string? HeldReason, bool NeverEmpty = false);

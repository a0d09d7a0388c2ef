using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Dns;

/// <summary>One configured record in a plan: what the provider holds, what health wants, and what the plan does.</summary>
public sealed record DnsRecordPlan(string Name, DnsRecordType Type, DnsRecordOutcome Outcome, string Detail, DnsRecordSet? Current, DnsRecordSet? Desired);

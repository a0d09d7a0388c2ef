using NeuroPilot.Edge.Dns;

namespace NeuroPilot.Edge.Admin;

/// <summary>One configured record in the last DNS plan: what the provider holds, what health wants, what the plan does.</summary>
/// <param name="Type"><c>A</c>, <c>AAAA</c>, <c>CNAME</c> or <c>TXT</c>.</param>
/// <param name="Outcome"><c>unchanged</c>, <c>create</c>, <c>update</c>, <c>conflict</c> or <c>held</c>.</param>
/// <param name="Current">The values the provider holds; null when it holds none.</param>
/// <param name="Desired">The values health wants; null when none.</param>
public sealed record DnsRecordPlanJson(string Name, string Type, string Outcome, string Detail, IReadOnlyList<string>? Current, IReadOnlyList<string>? Desired)
{
    public static DnsRecordPlanJson From(DnsRecordPlan record) => new(
        record.Name,
        record.Type.ToString(),
        record.Outcome.ToString().ToLowerInvariant(),
        record.Detail,
        record.Current?.Values,
        record.Desired?.Values);
}

using System.Text;
using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Dns;

/// <summary>A reconciliation plan: the changes to apply and, per configured record, what happens to it and why.</summary>
/// <param name="Changes">Record set changes, markers included, in the order they are applied.</param>
/// <param name="Records">Every configured record with its outcome.</param>
/// <param name="Managed">Records that exist and carry our marker.</param>
/// <param name="OverChangeCap">Why the plan is over the change cap, or null.</param>
public sealed record DnsPlan(IReadOnlyList<DnsChange> Changes, IReadOnlyList<DnsRecordPlan> Records, int Managed, string? OverChangeCap)
{
    public bool IsEmpty => Changes.Count == 0;

    public int Count(DnsRecordOutcome outcome) => Records.Count(r => r.Outcome == outcome);

    /// <summary>One line per record and change, as <c>dns plan</c> prints and the log records.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        foreach (var record in Records)
        {
            var what = record.Outcome switch
            {
                DnsRecordOutcome.Unchanged => $"= {record.Name} {record.Type}: unchanged [{Join(record.Current)}]",
                DnsRecordOutcome.Create => $"+ {record.Name} {record.Type}: create [{Join(record.Desired)}] ttl {record.Desired!.Ttl}",
                DnsRecordOutcome.Update => $"~ {record.Name} {record.Type}: [{Join(record.Current)}] -> [{Join(record.Desired)}]{TtlChange(record)}",
                DnsRecordOutcome.Conflict => $"! {record.Name} {record.Type}: conflict, left alone: {record.Detail}",
                _ => $"# {record.Name} {record.Type}: held at [{Join(record.Current)}]: {record.Detail}",
            };
            text.AppendLine(what);
        }

        text.Append(IsEmpty ? "No changes." : $"{Changes.Count} record set change(s), ownership markers included.");
        if (OverChangeCap is not null)
        {
            text.AppendLine().Append("Refused: ").Append(OverChangeCap);
        }

        return text.ToString();
    }

    /// <summary>The plan in one line for logs: counts and the changed names.</summary>
    public string Summary() =>
        $"{Count(DnsRecordOutcome.Create)} create, {Count(DnsRecordOutcome.Update)} update, {Count(DnsRecordOutcome.Unchanged)} unchanged, " +
        $"{Count(DnsRecordOutcome.Conflict)} conflict, {Count(DnsRecordOutcome.Held)} held" +
        (IsEmpty ? "" : ": " + string.Join("; ", Changes.Where(c => c.Type != DnsRecordType.TXT || !c.Name.StartsWith("_neuropilot-edge.", StringComparison.Ordinal))));

    private static string Join(DnsRecordSet? set) => set is null ? "" : string.Join(", ", set.Values);

    private static string TtlChange(DnsRecordPlan record) =>
        record.Current!.Ttl == record.Desired!.Ttl ? "" : $" ttl {record.Current.Ttl} -> {record.Desired.Ttl}";
}

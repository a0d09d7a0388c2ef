using NeuroPilot.Edge.Dns;

namespace NeuroPilot.Edge.Admin;

/// <summary>The DNS pusher's last plan in <c>/admin/status</c>.</summary>
/// <param name="Changes">How many record set changes it makes, ownership markers included.</param>
/// <param name="Managed">Records that exist and carry our marker.</param>
/// <param name="OverChangeCap">Why the plan is over the change cap, or null.</param>
/// <param name="Records">Every configured record with its outcome.</param>
public sealed record DnsPlanJson(int Changes, int Managed, string? OverChangeCap, IReadOnlyList<DnsRecordPlanJson> Records)
{
    public static DnsPlanJson From(DnsPlan plan)
    {
        var records = new DnsRecordPlanJson[plan.Records.Count];
        for (var i = 0; i < records.Length; i++)
        {
            records[i] = DnsRecordPlanJson.From(plan.Records[i]);
        }

        return new DnsPlanJson(plan.Changes.Count, plan.Managed, plan.OverChangeCap, records);
    }
}

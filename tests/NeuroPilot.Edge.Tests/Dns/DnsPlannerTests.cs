using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns;

namespace NeuroPilot.Edge.Tests.Dns;

/// <summary>The safety rules that live in the plan: policies, never-empty, ownership, conflicts, the change cap.</summary>
public class DnsPlannerTests
{
    private const string Owner = "edge-fleet-1";
    private const string UsEast = "198.51.100.10";
    private const string EuWest = "198.51.100.20";
    private const string ApSouth = "198.51.100.30";

    private static DnsRecordOptions Record(string name = "api.example.com", DnsPolicy policy = DnsPolicy.Failover, DnsRecordType type = DnsRecordType.A) => new()
    {
        Name = name,
        Type = type,
        Ttl = 60,
        Service = "api",
        Policy = policy,
        Regions = type == DnsRecordType.CNAME
            ? [("us-east", ["us.lb.example.net"]), ("eu-west", ["eu.lb.example.net"])]
            : [("us-east", ["198.51.100.10"]), ("eu-west", ["198.51.100.20"]), ("ap-south", ["198.51.100.30"])],
    };

    private static Dictionary<(string, string), RegionView> Regions(bool? usEast, bool? euWest, bool? apSouth) => new()
    {
        [("api", "us-east")] = new RegionView(0, usEast, usEast == true),
        [("api", "eu-west")] = new RegionView(1, euWest, euWest == true),
        [("api", "ap-south")] = new RegionView(2, apSouth, apSouth == true),
    };

    private static DnsRecordSet Set(string name, params string[] values) => new(name, DnsRecordType.A, 60, values);

    private static DnsRecordSet Marker(string name, string owner = Owner) => DnsOwnership.Marker(name, DnsRecordType.A, owner, DnsOwnership.MarkerTtl);

    private static int SameTtl(DnsRecordType type, int ttl) => ttl;

    private static DnsPlan Plan(IReadOnlyList<DesiredRecord> desired, params DnsRecordSet[] current) =>
        DnsPlanner.Plan(desired, current, Owner, DnsDefaults.MaxChangeShare, SameTtl);

    [Fact]
    public void Desire_Failover_PublishesFirstUsableRegionInPriorityOrder()
    {
        var desired = DnsPlanner.Desire([Record()], Regions(false, true, true));

        Assert.Equal(["198.51.100.20"], Assert.Single(desired).Set!.Values);
    }

    [Fact]
    public void Desire_Failover_FollowsServicePriorityNotRecordOrder()
    {
        var record = Record();
        var reversed = new DnsRecordOptions { Name = record.Name, Service = "api", Regions = [.. record.Regions.Reverse()] };

        Assert.Equal(["198.51.100.10"], DnsPlanner.Desire([reversed], Regions(true, true, true))[0].Set!.Values);
    }

    [Fact]
    public void Desire_AllHealthy_PublishesEveryUsableRegion()
    {
        var desired = DnsPlanner.Desire([Record(policy: DnsPolicy.AllHealthy)], Regions(true, false, true));

        Assert.Equal(["198.51.100.10", "198.51.100.30"], desired[0].Set!.Values);
    }

    [Fact]
    public void Desire_EveryRegionDown_HoldsUnderNeverEmptyRule()
    {
        var desired = Assert.Single(DnsPlanner.Desire([Record()], Regions(false, false, false)));

        Assert.Null(desired.Set);
        Assert.True(desired.NeverEmpty);
        Assert.Contains("never-empty", desired.HeldReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Desire_RegionNotProbedYet_HoldsWithoutAlarm()
    {
        var desired = Assert.Single(DnsPlanner.Desire([Record()], Regions(true, null, true)));

        Assert.Null(desired.Set);
        Assert.False(desired.NeverEmpty);
    }

    [Fact]
    public void Plan_EveryRegionDown_KeepsPublishedSetUntouched()
    {
        var plan = Plan(DnsPlanner.Desire([Record()], Regions(false, false, false)),
            Set("api.example.com", "198.51.100.10"), Marker("api.example.com"));

        Assert.True(plan.IsEmpty);
        Assert.Equal(DnsRecordOutcome.Held, Assert.Single(plan.Records).Outcome);
    }

    [Fact]
    public void Plan_FreeName_CreatesSetWithItsMarker()
    {
        var plan = Plan(DnsPlanner.Desire([Record()], Regions(true, true, true)));

        Assert.Equal(2, plan.Changes.Count);
        Assert.Equal(DnsOwnership.MarkerName("api.example.com", DnsRecordType.A), plan.Changes[0].After!.Name);
        Assert.Equal(["heritage=neuropilot-edge,owner=edge-fleet-1"], plan.Changes[0].After!.Values);
        Assert.Equal(["198.51.100.10"], plan.Changes[1].After!.Values);
        Assert.All(plan.Changes, c => Assert.Equal(DnsChangeKind.Create, c.Kind));
    }

    [Fact]
    public void Plan_OurRecordOnFailedRegion_ReplacesItWithBeforeState()
    {
        var current = Set("api.example.com", "198.51.100.10");
        var plan = Plan(DnsPlanner.Desire([Record()], Regions(false, true, true)), current, Marker("api.example.com"));

        var change = Assert.Single(plan.Changes);
        Assert.Equal(DnsChangeKind.Update, change.Kind);
        Assert.Same(current, change.Before);
        Assert.Equal(["198.51.100.20"], change.After!.Values);
    }

    [Fact]
    public void Plan_SameSetAlreadyPublished_IsEmpty()
    {
        var plan = Plan(DnsPlanner.Desire([Record()], Regions(true, true, true)), Set("api.example.com", "198.51.100.10"), Marker("api.example.com"));

        Assert.True(plan.IsEmpty);
        Assert.Equal(DnsRecordOutcome.Unchanged, Assert.Single(plan.Records).Outcome);
    }

    [Fact]
    public void Plan_NameHeldWithoutMarker_IsConflictAndUntouched()
    {
        var plan = Plan(DnsPlanner.Desire([Record()], Regions(false, true, true)), Set("api.example.com", "203.0.113.5"));

        Assert.True(plan.IsEmpty);
        var record = Assert.Single(plan.Records);
        Assert.Equal(DnsRecordOutcome.Conflict, record.Outcome);
        Assert.Contains("without our marker", record.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_RecordOfAnotherOwner_IsConflictAndUntouched()
    {
        var plan = Plan(DnsPlanner.Desire([Record()], Regions(false, true, true)),
            Set("api.example.com", "198.51.100.10"), Marker("api.example.com", owner: "edge-fleet-2"));

        Assert.True(plan.IsEmpty);
        Assert.Contains("owned by \"edge-fleet-2\"", Assert.Single(plan.Records).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ForeignTxtAtMarkerName_IsConflict()
    {
        var foreign = new DnsRecordSet(DnsOwnership.MarkerName("api.example.com", DnsRecordType.A), DnsRecordType.TXT, 300, ["v=spf1 -all"]);

        var plan = Plan(DnsPlanner.Desire([Record()], Regions(true, true, true)), foreign);

        Assert.True(plan.IsEmpty);
        Assert.Equal(DnsRecordOutcome.Conflict, plan.Records[0].Outcome);
    }

    [Fact]
    public void Plan_CnameAtTheName_BlocksAnAddressRecord()
    {
        var cname = new DnsRecordSet("api.example.com", DnsRecordType.CNAME, 300, ["elsewhere.example.net"]);

        var plan = Plan(DnsPlanner.Desire([Record()], Regions(true, true, true)), cname);

        Assert.True(plan.IsEmpty);
        Assert.Contains("elsewhere.example.net", plan.Records[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ForeignRecordsAtOtherNames_AreIgnored()
    {
        var plan = Plan(DnsPlanner.Desire([Record()], Regions(true, true, true)),
            Set("www.example.com", "203.0.113.9"), Set("api.example.com.evil.net", "203.0.113.9"));

        Assert.All(plan.Changes, c => Assert.StartsWith(c.Name.StartsWith('_') ? "_neuropilot-edge.a.api.example.com" : "api.example.com", c.Name, StringComparison.Ordinal));
        Assert.Equal(2, plan.Changes.Count);
    }

    [Fact]
    public void Plan_ProviderTtlRule_ComparesWithEffectiveTtl()
    {
        var current = new DnsRecordSet("api.example.com", DnsRecordType.A, 1, ["198.51.100.10"]);

        var plan = DnsPlanner.Plan(DnsPlanner.Desire([Record()], Regions(true, true, true)), [current, Marker("api.example.com")], Owner, 0.3,
            (type, ttl) => type == DnsRecordType.TXT ? ttl : 1);

        Assert.True(plan.IsEmpty);
    }

    private static Dictionary<(string, DnsRecordType), DnsRecordSet> LastDesired(params string[] values) =>
        new() { [("api.example.com", DnsRecordType.A)] = Set("api.example.com", values) };

    [Fact]
    public void Plan_TwinMovedTheRecordToARegionUsableHere_KeepsItWhileOurViewIsUnchanged()
    {
        // Our hold has not run out yet (we still want us-east), a twin's has: it published eu-west, usable here too.
        var desired = DnsPlanner.Desire([Record()], Regions(true, true, true));

        var plan = DnsPlanner.Plan(desired, [Set("api.example.com", EuWest), Marker("api.example.com")], Owner, 0.3, SameTtl, LastDesired(UsEast));

        Assert.True(plan.IsEmpty);
        Assert.Equal(DnsRecordOutcome.Held, plan.Records[0].Outcome);
        Assert.Contains("another writer", plan.Records[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_OtherWriterChoseARegionDownHere_IsRepaired()
    {
        var desired = DnsPlanner.Desire([Record()], Regions(true, false, true));

        var plan = DnsPlanner.Plan(desired, [Set("api.example.com", EuWest), Marker("api.example.com")], Owner, 0.3, SameTtl, LastDesired(UsEast));

        Assert.Equal([UsEast], Assert.Single(plan.Changes).After!.Values);
    }

    [Fact]
    public void Plan_OtherWriterPutAValueNotConfigured_IsRepaired()
    {
        var desired = DnsPlanner.Desire([Record()], Regions(true, true, true));

        var plan = DnsPlanner.Plan(desired, [Set("api.example.com", "203.0.113.66"), Marker("api.example.com")], Owner, 0.3, SameTtl, LastDesired(UsEast));

        Assert.Equal([UsEast], Assert.Single(plan.Changes).After!.Values);
    }

    [Fact]
    public void Plan_OurOwnViewChanged_PushesEvenOverAnotherWritersChoice()
    {
        var desired = DnsPlanner.Desire([Record()], Regions(false, true, true));

        var plan = DnsPlanner.Plan(desired, [Set("api.example.com", ApSouth), Marker("api.example.com")], Owner, 0.3, SameTtl, LastDesired(UsEast));

        Assert.Equal([EuWest], Assert.Single(plan.Changes).After!.Values);
    }

    [Fact]
    public void Plan_ReplacingMoreThanTheCapOfTenManagedRecords_IsMarkedOverCap()
    {
        var records = Enumerable.Range(0, 10).Select(i => Record($"r{i}.example.com")).ToList();
        var current = records.SelectMany(r => new[] { Set(r.Name, "198.51.100.10"), Marker(r.Name) }).ToArray();

        var plan = Plan(DnsPlanner.Desire(records, Regions(false, true, true)), current);

        Assert.Equal(10, plan.Managed);
        Assert.Equal(10, plan.Changes.Count);
        Assert.Contains("replaces 10 of 10 managed records", plan.OverChangeCap, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_FewerThanTenManagedRecords_HasNoCap()
    {
        var records = Enumerable.Range(0, 9).Select(i => Record($"r{i}.example.com")).ToList();
        var current = records.SelectMany(r => new[] { Set(r.Name, "198.51.100.10"), Marker(r.Name) }).ToArray();

        var plan = Plan(DnsPlanner.Desire(records, Regions(false, true, true)), current);

        Assert.Equal(9, plan.Changes.Count);
        Assert.Null(plan.OverChangeCap);
    }

    [Fact]
    public void ToText_ShowsEveryRecordAndTheChange()
    {
        var plan = Plan(DnsPlanner.Desire([Record(), Record("www.example.com")], Regions(false, true, true)),
            Set("api.example.com", "198.51.100.10"), Marker("api.example.com"), Set("www.example.com", "203.0.113.5"));

        var text = plan.ToText();

        Assert.Contains("~ api.example.com A: [198.51.100.10] -> [198.51.100.20]", text, StringComparison.Ordinal);
        Assert.Contains("! www.example.com A: conflict, left alone", text, StringComparison.Ordinal);
        Assert.Contains("1 record set change(s)", text, StringComparison.Ordinal);
    }
}

using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Fleet;

namespace NeuroPilot.Edge.Tests.Fleet;

/// <summary>
/// The quorum rule DNS follows in a fleet: one edge alone cannot move a region; a quorum can, both ways; stale views
/// and other services' views do not vote; a fleet of one follows its own view as an edge without a fleet does.
/// </summary>
public sealed class FleetAgreementTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 4, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(15);
    private static readonly Dictionary<string, bool> AllPublished = new() { ["us-east"] = true, ["eu-west"] = true };

    [Fact]
    public void Decide_OneEdgeOfThreeSeesDown_DnsUnchanged()
    {
        var fleet = Fleet(Member("edge-b", true), Member("edge-c", true));

        var agreed = Decide(ownUsEast: false, fleet, AllPublished);

        Assert.True(agreed[0].Usable);
        Assert.Equal(FleetQuorumDecision.Up, agreed[0].Decision);
        Assert.Equal((2, 1, 2), (agreed[0].SeeUsable, agreed[0].SeeUnusable, agreed[0].Required));
    }

    [Fact]
    public void Decide_TwoEdgesOfThreeSeeDown_RegionLeavesDns()
    {
        var fleet = Fleet(Member("edge-b", false), Member("edge-c", true));

        var agreed = Decide(ownUsEast: false, fleet, AllPublished);

        Assert.False(agreed[0].Usable);
        Assert.Equal(FleetQuorumDecision.Down, agreed[0].Decision);
        Assert.True(agreed[1].Usable);
    }

    [Fact]
    public void Decide_TwoOtherEdgesSeeDownThoughThisOneSeesItUsable_RegionLeavesDns()
    {
        var agreed = Decide(ownUsEast: true, Fleet(Member("edge-b", false), Member("edge-c", false)), AllPublished);

        Assert.False(agreed[0].Usable);
    }

    [Fact]
    public void Decide_OutOfDnsAndOnlyOneEdgeOfThreeSeesItBack_StaysOut()
    {
        var outOfDns = new Dictionary<string, bool> { ["us-east"] = false, ["eu-west"] = true };

        var one = Decide(ownUsEast: true, Fleet(Member("edge-b", false), Member("edge-c", false)), outOfDns);
        var two = Decide(ownUsEast: true, Fleet(Member("edge-b", true), Member("edge-c", false)), outOfDns);

        Assert.False(one[0].Usable);
        Assert.True(two[0].Usable);
        Assert.Equal(FleetQuorumDecision.Up, two[0].Decision);
    }

    [Fact]
    public void Decide_EvenSplitOfFour_DnsKeepsWhatItPublishes()
    {
        var fleet = Fleet(Member("edge-b", false), Member("edge-c", true), Member("edge-d", true));

        var published = Decide(ownUsEast: false, fleet, AllPublished);
        var unpublished = Decide(ownUsEast: false, fleet, new Dictionary<string, bool> { ["us-east"] = false });

        Assert.Equal(FleetQuorumDecision.Kept, published[0].Decision);
        Assert.True(published[0].Usable);
        Assert.False(unpublished[0].Usable);
        Assert.Equal(3, published[0].Required);
    }

    [Fact]
    public void Decide_StaleViewsDoNotVote()
    {
        // Two others see us-east down, but one published 3 TTLs ago: it no longer votes, so 1 of 2 cannot move it.
        var fleet = Fleet(Member("edge-b", false, age: StaleAfter), Member("edge-c", false, age: TimeSpan.FromSeconds(1)));

        var agreed = Decide(ownUsEast: true, fleet, AllPublished);

        Assert.True(agreed[0].Usable);
        Assert.Equal(FleetQuorumDecision.Kept, agreed[0].Decision);
        Assert.Equal(2, agreed[0].SeeUsable + agreed[0].SeeUnusable);
    }

    [Fact]
    public void Decide_FleetOfOne_FollowsItsOwnViewBothWays()
    {
        var alone = Fleet(Member("edge-a", true)); // this edge's own published view does not vote twice

        var down = Decide(ownUsEast: false, alone, AllPublished);
        var up = Decide(ownUsEast: true, alone, new Dictionary<string, bool> { ["us-east"] = false });

        Assert.False(down[0].Usable);
        Assert.Equal((0, 1, 1), (down[0].SeeUsable, down[0].SeeUnusable, down[0].Required));
        Assert.True(up[0].Usable);
    }

    [Fact]
    public void Decide_NothingPublishedYetAndNoQuorum_TakesThisEdgesView()
    {
        var fleet = Fleet(Member("edge-b", true));

        var agreed = Decide(ownUsEast: false, fleet, new Dictionary<string, bool>());

        Assert.Equal(FleetQuorumDecision.Kept, agreed[0].Decision);
        Assert.False(agreed[0].Usable);
    }

    [Fact]
    public void Decide_FixedCountQuorum_OneDownVoteOfThreeIsEnoughWhenTheCountIsOneAndNobodyDisagrees()
    {
        var fleet = Fleet(Member("edge-b", false), Member("edge-c", false));

        var agreed = FleetAgreement.Decide("api", "edge-a", [("us-east", false)], fleet, AllPublished, FleetQuorum.Of(3), Now, StaleAfter);
        var tooFew = FleetAgreement.Decide("api", "edge-a", [("us-east", false)], Fleet(Member("edge-b", true), Member("edge-c", false)), AllPublished, FleetQuorum.Of(3), Now, StaleAfter);

        Assert.False(agreed[0].Usable);
        Assert.True(tooFew[0].Usable);
        Assert.Equal(FleetQuorumDecision.Kept, tooFew[0].Decision);
    }

    private static IReadOnlyList<FleetRegionAgreement> Decide(bool ownUsEast, FleetView fleet, IReadOnlyDictionary<string, bool> current) =>
        FleetAgreement.Decide("api", "edge-a", [("us-east", ownUsEast), ("eu-west", true)], fleet, current, FleetQuorum.Majority, Now, StaleAfter);

    private static (string EdgeId, FleetServiceView View) Member(string edgeId, bool usEastUsable, TimeSpan? age = null)
    {
        var at = Now - (age ?? TimeSpan.Zero);
        return (edgeId, new FleetServiceView(edgeId, "api",
            [new FleetRegionView("us-east", usEastUsable, usEastUsable ? "usable" : "down", at), new FleetRegionView("eu-west", true, "usable", at)], at));
    }

    private static FleetView Fleet(params (string EdgeId, FleetServiceView View)[] members) =>
        new(members.ToDictionary(m => m.EdgeId, m => (IReadOnlyDictionary<string, FleetServiceView>)new Dictionary<string, FleetServiceView> { ["api"] = m.View }),
            [], 1, Now);
}

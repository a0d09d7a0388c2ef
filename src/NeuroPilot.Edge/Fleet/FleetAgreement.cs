using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Fleet;

/// <summary>
/// The rule that turns the fleet's views of a service into what DNS may publish of each region, so that one edge with
/// a broken path cannot move shared records. A pure function: no etcd, no clock but the one handed in.
/// <list type="bullet">
/// <item>Voters of a region: this edge (its own view, always fresh) and every other member whose view of the service,
/// read from etcd, names the region and was published less than <c>staleAfter</c> ago.</item>
/// <item>Required: <see cref="FleetQuorum.Required"/> of the voters (a majority, or the configured count capped by
/// the voters).</item>
/// <item>The region leaves DNS only when at least the required number sees it unusable, and comes back only when at
/// least that many see it usable; otherwise DNS keeps what it publishes now (<c>current</c>; this edge's own view
/// when nothing is published yet). With a fixed count at most half the voters both sides can reach it: DNS keeps
/// what it publishes then too.</item>
/// </list>
/// A fleet of one is its own quorum: DNS follows this edge's view, as without a fleet.
/// </summary>
public static class FleetAgreement
{
    public static IReadOnlyList<FleetRegionAgreement> Decide(
        string service,
        string edgeId,
        IReadOnlyList<(string Region, bool Usable)> own,
        FleetView fleet,
        IReadOnlyDictionary<string, bool> current,
        FleetQuorum quorum,
        DateTimeOffset now,
        TimeSpan staleAfter)
    {
        var others = FreshViews(service, edgeId, fleet, now, staleAfter);
        var agreements = new FleetRegionAgreement[own.Count];
        for (var i = 0; i < own.Count; i++)
        {
            var (region, usable) = own[i];
            int seeUsable = usable ? 1 : 0, seeUnusable = usable ? 0 : 1;
            foreach (var view in others)
            {
                foreach (var theirs in view.Regions)
                {
                    if (theirs.Region == region)
                    {
                        _ = theirs.Usable ? seeUsable++ : seeUnusable++;
                        break;
                    }
                }
            }

            var required = quorum.Required(seeUsable + seeUnusable);
            var (down, up) = (seeUnusable >= required, seeUsable >= required);
            var decision = down == up ? FleetQuorumDecision.Kept : down ? FleetQuorumDecision.Down : FleetQuorumDecision.Up;
            var publish = decision switch
            {
                FleetQuorumDecision.Down => false,
                FleetQuorumDecision.Up => true,
                _ => current.TryGetValue(region, out var published) ? published : usable,
            };
            agreements[i] = new FleetRegionAgreement(region, publish, decision, seeUsable, seeUnusable, required);
        }

        return agreements;
    }

    private static List<FleetServiceView> FreshViews(string service, string edgeId, FleetView fleet, DateTimeOffset now, TimeSpan staleAfter)
    {
        var fresh = new List<FleetServiceView>();
        foreach (var (member, views) in fleet.Members)
        {
            if (member != edgeId && views.TryGetValue(service, out var view) && now - view.PublishedAt < staleAfter)
            {
                fresh.Add(view);
            }
        }

        return fresh;
    }
}

using NeuroPilot.Edge.Fleet;

namespace NeuroPilot.Edge.Dns;

/// <summary>
/// The fleet's quorum applied to the health a DNS round takes: each region's usability becomes what
/// <see cref="FleetAgreement"/> decides from this edge's view and the fleet's fresh views, starting from what the last
/// decision let DNS publish. Remembers those decisions between rounds and shows them (<see cref="Decisions"/>). Written
/// by the reconciler's loop only.
/// </summary>
public sealed class DnsQuorumView
{
    private readonly Dictionary<string, Dictionary<string, bool>> _published = new(StringComparer.Ordinal);
    private volatile IReadOnlyDictionary<string, IReadOnlyList<FleetRegionAgreement>> _decisions =
        new Dictionary<string, IReadOnlyList<FleetRegionAgreement>>(StringComparer.Ordinal);

    /// <summary>The last agreement per service, regions in priority order (for <c>/admin/fleet</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<FleetRegionAgreement>> Decisions => _decisions;

    /// <summary>
    /// <paramref name="local"/> with each region's usability replaced by the fleet's agreement; <paramref name="moved"/>
    /// is called for each region whose published usability the agreement changed.
    /// </summary>
    public IReadOnlyList<DnsServiceHealth> Apply(
        IReadOnlyList<DnsServiceHealth> local, DnsFleet fleet, DateTimeOffset now, Action<string, FleetRegionAgreement> moved)
    {
        var view = fleet.View();
        var decisions = new Dictionary<string, IReadOnlyList<FleetRegionAgreement>>(StringComparer.Ordinal);
        var agreed = new List<DnsServiceHealth>(local.Count);
        foreach (var service in local)
        {
            if (!_published.TryGetValue(service.Name, out var published))
            {
                _published[service.Name] = published = new Dictionary<string, bool>(StringComparer.Ordinal);
            }

            var own = service.Regions.Select(r => (r.Name, r.Usable)).ToList();
            var agreements = FleetAgreement.Decide(service.Name, fleet.Options.EdgeId, own, view, published, fleet.Options.DnsQuorum, now, fleet.StaleAfter);
            var regions = new DnsRegionHealth[agreements.Count];
            for (var i = 0; i < agreements.Count; i++)
            {
                var agreement = agreements[i];
                if (published.TryGetValue(agreement.Region, out var before) && before != agreement.Usable)
                {
                    moved(service.Name, agreement);
                }

                published[agreement.Region] = agreement.Usable;
                regions[i] = new DnsRegionHealth(agreement.Region, agreement.Usable);
            }

            decisions[service.Name] = agreements;
            agreed.Add(service with { Regions = regions });
        }

        _decisions = decisions;
        return agreed;
    }
}

using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Fleet;

/// <summary>
/// One edge's view of one service's regions, as published under <c>{Prefix}members/{EdgeId}/views/{Service}</c>: made
/// from the health agent's <see cref="ServiceHealth"/> (it never decides usability again), regions in priority order.
/// </summary>
public sealed record FleetServiceView(string EdgeId, string Service, IReadOnlyList<FleetRegionView> Regions, DateTimeOffset PublishedAt)
{
    /// <summary>
    /// The view of <paramref name="health"/> at <paramref name="now"/>: a region keeps its <c>Since</c> from
    /// <paramref name="previous"/> while it stays as usable as it was, for the same reason; else it changed now.
    /// </summary>
    public static FleetServiceView From(string edgeId, ServiceHealth health, FleetServiceView? previous, DateTimeOffset now)
    {
        var regions = new FleetRegionView[health.Regions.Count];
        for (var i = 0; i < regions.Length; i++)
        {
            var region = health.Regions[i];
            var name = region.Region.Name;
            var reason = region.Reason;
            var since = now;
            if (previous?.Regions.FirstOrDefault(r => r.Region == name) is { } before && before.Usable == region.Usable && before.Reason == reason)
            {
                since = before.Since;
            }

            regions[i] = new FleetRegionView(name, region.Usable, reason, since);
        }

        return new FleetServiceView(edgeId, health.Service.Name, regions, now);
    }

    /// <summary>Whether <paramref name="other"/> says the same of every region (publication time aside).</summary>
    public bool SameRegionsAs(FleetServiceView? other) =>
        other is not null && other.Service == Service && other.Regions.SequenceEqual(Regions);
}

namespace NeuroPilot.Edge.Fleet;

/// <summary>
/// Every live member's published views, as read from etcd at <see cref="ReadAt"/> (etcd revision
/// <see cref="Revision"/>). Immutable: each read makes a new one. A member whose lease ended has no keys, so it is
/// not here.
/// </summary>
public sealed class FleetView
{
    public FleetView(IReadOnlyDictionary<string, IReadOnlyDictionary<string, FleetServiceView>> members, IReadOnlyList<FleetDrain> drains, long revision, DateTimeOffset readAt)
    {
        Members = members;
        Drains = drains;
        Revision = revision;
        ReadAt = readAt;
    }

    public static FleetView Empty { get; } = new(new Dictionary<string, IReadOnlyDictionary<string, FleetServiceView>>(), [], 0, DateTimeOffset.MinValue);

    /// <summary>The regions drained for the whole fleet, each with who drained it, when and through which edge.</summary>
    public IReadOnlyList<FleetDrain> Drains { get; }

    /// <summary>Whether the fleet has <paramref name="region"/> of <paramref name="service"/> drained.</summary>
    public bool IsDrained(string service, string region)
    {
        foreach (var drain in Drains)
        {
            if (drain.Service == service && drain.Region == region)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Edge id to that edge's views by service name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, FleetServiceView>> Members { get; }

    public long Revision { get; }

    public DateTimeOffset ReadAt { get; }

    /// <summary>The view <paramref name="edgeId"/> published of <paramref name="service"/>, or null.</summary>
    public FleetServiceView? ViewOf(string edgeId, string service) =>
        Members.TryGetValue(edgeId, out var views) && views.TryGetValue(service, out var view) ? view : null;
}

namespace NeuroPilot.Edge.Fleet;

/// <summary>
/// The fleet's key layout in etcd, in one place: <c>{Prefix}members/{EdgeId}/views/{Service}</c> holds one edge's view
/// of one service (JSON, <see cref="FleetServiceView"/>) under that edge's lease; <c>{Prefix}drains/{Service}/{Region}</c>
/// a shared drain (<see cref="FleetDrain"/>); <c>{Prefix}leader</c> the DNS writer's id; <c>{Prefix}audit/drains/{Service}/{Region}</c> the last drain or undrain.
/// </summary>
public sealed class FleetKeys(string prefix)
{
    private const string ViewsSegment = "/views/";

    public string Prefix { get; } = prefix;

    /// <summary>Every member's keys start with this.</summary>
    public string Members => $"{Prefix}members/";

    public string View(string edgeId, string service) => $"{Members}{edgeId}{ViewsSegment}{service}";

    /// <summary>Every shared drain's key starts with this.</summary>
    public string Drains => $"{Prefix}drains/";

    /// <summary>A region's shared drain (present while it is drained; no lease: it outlives every edge).</summary>
    public string Drain(string service, string region) => $"{Drains}{service}/{region}";

    /// <summary>The last drain or undrain of a region, with who, when and through which edge.</summary>
    public string DrainAudit(string service, string region) => $"{Prefix}audit/drains/{service}/{region}";

    /// <summary>
    /// The DNS writer's key: the leading edge's id, on that edge's lease, created only while absent (so it has one
    /// owner until that owner resigns or its lease ends).
    /// </summary>
    public string Leader => $"{Prefix}leader";

    /// <summary>The edge and service of a view key; false for any other key under <see cref="Members"/>.</summary>
    public bool TryParseView(string key, out string edgeId, out string service)
    {
        edgeId = service = "";
        if (!key.StartsWith(Members, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = key.AsSpan(Members.Length);
        var views = rest.IndexOf(ViewsSegment, StringComparison.Ordinal);
        if (views <= 0 || views + ViewsSegment.Length >= rest.Length)
        {
            return false;
        }

        edgeId = rest[..views].ToString();
        service = rest[(views + ViewsSegment.Length)..].ToString();
        return true;
    }
}

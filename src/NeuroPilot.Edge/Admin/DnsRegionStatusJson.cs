using NeuroPilot.Edge.Dns;

namespace NeuroPilot.Edge.Admin;

/// <summary>One region's DNS hold-down in <c>/admin/status</c>: live as health sees it, published as DNS has it, since when.</summary>
public sealed record DnsRegionStatusJson(string Service, string Region, bool? Live, bool? Published, DateTimeOffset? Since)
{
    public static DnsRegionStatusJson From(DnsRegionStatus region) =>
        new(region.Service, region.Region, region.Live, region.Published, region.Since);
}

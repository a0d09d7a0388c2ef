using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Admin;

/// <summary>One region of a service in <c>/admin/status</c>, in priority order (0 is the primary).</summary>
/// <param name="Reason"><c>usable</c>, <c>drained</c>, or why too few destinations are available.</param>
/// <param name="Serving">Whether this region serves the service now.</param>
public sealed record RegionStatusJson(
    string Name,
    int Priority,
    bool Usable,
    bool Drained,
    string Reason,
    bool Serving,
    IReadOnlyList<DestinationStatusJson> Destinations)
{
    public static RegionStatusJson From(RegionHealth health, RegionRoute? serving)
    {
        var region = health.Region;
        var destinations = new DestinationStatusJson[region.Destinations.Length];
        for (var i = 0; i < destinations.Length; i++)
        {
            destinations[i] = DestinationStatusJson.From(region.Destinations[i]);
        }

        return new RegionStatusJson(
            region.Name, region.Priority, health.Usable, health.Drained, health.Reason, ReferenceEquals(region, serving), destinations);
    }
}

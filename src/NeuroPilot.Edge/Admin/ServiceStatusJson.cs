using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Admin;

/// <summary>One service in <c>/admin/status</c>.</summary>
/// <param name="ServingRegion">The first usable region; null when none is.</param>
/// <param name="NoUsableRegion"><c>panic</c> or <c>fail-closed</c>.</param>
public sealed record ServiceStatusJson(
    string Name,
    string? ServingRegion,
    IReadOnlyList<string> Hosts,
    string? PathPrefix,
    string NoUsableRegion,
    int RetriesInFlight,
    IReadOnlyList<RegionStatusJson> Regions)
{
    /// <summary>The service as its last published health snapshot shows it.</summary>
    public static ServiceStatusJson From(ServiceRoute service)
    {
        var health = service.Health;
        var regions = new RegionStatusJson[health.Regions.Count];
        for (var i = 0; i < regions.Length; i++)
        {
            regions[i] = RegionStatusJson.From(health.Regions[i], health.Serving);
        }

        return new ServiceStatusJson(
            service.Name,
            health.Serving?.Name,
            service.Options.Hosts,
            service.Options.PathPrefix,
            service.Options.NoUsableRegion == NoUsableRegionPolicy.Panic ? "panic" : "fail-closed",
            service.Budget.ActiveRetries,
            regions);
    }
}

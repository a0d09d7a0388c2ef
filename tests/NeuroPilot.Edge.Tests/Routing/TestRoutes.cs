using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Forwarding;
using NeuroPilot.Edge.Health;
using NeuroPilot.Edge.Hosting;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Tests.Routing;

/// <summary>Routing tables, services, regions and destinations built the way the edge builds them, without a server.</summary>
internal static class TestRoutes
{
    private static readonly EdgeMetrics Metrics = new(Prometheus.Metrics.NewCustomRegistry());
    private static readonly HttpMessageInvoker Client = new(new SocketsHttpHandler());

    public static RoutingTableBuilder Builder() => new(new EdgeMetrics(Prometheus.Metrics.NewCustomRegistry()), new UpstreamClients());

    /// <summary>A routing table for a config file's text, as at start-up.</summary>
    public static RoutingTable Table(string json) => Builder().Build(ConfigLoader.Load(json), previous: null);

    public static DestinationState Destination(int port, bool markedDown = false) =>
        new(new Uri($"http://127.0.0.1:{port}")) { MarkedDown = markedDown };

    public static RegionRoute Region(string name, params DestinationState[] destinations) =>
        new("api", name, 0, destinations) { Metrics = new RegionMetrics(Metrics, "api", name) };

    /// <summary>A region whose destination picking draws from <paramref name="choices"/> (a scripted <see cref="Random"/>).</summary>
    public static RegionRoute Region(string name, Random choices, params DestinationState[] destinations) =>
        new("api", name, 0, destinations) { Metrics = new RegionMetrics(Metrics, "api", name), Choices = choices };

    public static ServiceRoute Service(params RegionRoute[] regions) => Service(new RetryOptions(), regions);

    /// <summary>A service with its regions in priority order (as given) and these retry settings.</summary>
    public static ServiceRoute Service(RetryOptions retry, params RegionRoute[] regions)
    {
        for (var i = 0; i < regions.Length; i++)
        {
            regions[i] = new RegionRoute("api", regions[i].Name, i, regions[i].Destinations) { Metrics = regions[i].Metrics };
        }

        return new(new ServiceOptions { Name = "api", Regions = [], Retry = retry }, regions, Client, RegionEvaluator.Evaluate) { Metrics = new ServiceMetrics(Metrics, "api") };
    }
}

using Microsoft.AspNetCore.Http;
using NeuroPilot.Edge.CircuitBreaking;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Forwarding;
using NeuroPilot.Edge.Hosting;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Benchmarks.Infrastructure;

/// <summary>
/// Routing tables built the way the edge builds them (<see cref="RoutingTableBuilder"/> over an
/// <see cref="EdgeConfig"/>), with real Prometheus metric children and the system clock: five services that make
/// host and prefix matching scan a few entries, and "api" with three regions of two destinations each.
/// </summary>
internal static class EdgeFixture
{
    public const string ApiHost = "api.example.com";
    public const string ApiPath = "/v1/orders/42";

    /// <summary>A routing table with fresh destination state (every breaker closed, nothing marked down).</summary>
    public static RoutingTable BuildTable(CircuitBreakerOptions? breaker = null, int healthyThreshold = HealthCheckDefaults.HealthyThreshold)
    {
        var config = new EdgeConfig
        {
            Edge = new EdgeOptions(),
            Services =
            [
                Service("admin", ["admin.example.com"], null, 9100, regions: 1, breaker, healthyThreshold),
                Service("api-internal", [ApiHost], "/v1/internal", 9200, regions: 1, breaker, healthyThreshold),
                Service("api", [ApiHost], "/v1", 9300, regions: 3, breaker, healthyThreshold),
                Service("static", ["*.example.com"], null, 9400, regions: 1, breaker, healthyThreshold),
                Service("fallback", [], null, 9500, regions: 1, breaker, healthyThreshold),
            ],
        };
        var metrics = new EdgeMetrics(Prometheus.Metrics.NewCustomRegistry());
        return new RoutingTableBuilder(metrics, new UpstreamClients()).Build(config, previous: null);
    }

    public static ServiceRoute Api(RoutingTable table) =>
        table.Find("api") ?? throw new InvalidOperationException("the fixture has no service \"api\"");

    /// <summary>A request as Kestrel hands it to the edge.</summary>
    public static HttpRequest Request(string host = ApiHost, string path = ApiPath)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString(host);
        context.Request.Path = path;
        return context.Request;
    }

    /// <summary>Opens a closed breaker the way the request path does: consecutive failed attempts.</summary>
    public static void Trip(DestinationState destination)
    {
        var breaker = destination.Breaker;
        for (var i = 0; i < breaker.Options.ConsecutiveFailures && breaker.State == CircuitState.Closed; i++)
        {
            breaker.OnFailure("reset");
        }

        Expect(breaker.State == CircuitState.Open, $"{destination.Address}: breaker is {breaker.State} after the failures, not Open");
    }

    /// <summary>Throws when a fixture is not in the state a benchmark claims to measure.</summary>
    public static void Expect(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException("benchmark fixture: " + message);
        }
    }

    private static ServiceOptions Service(string name, string[] hosts, string? prefix, int port, int regions, CircuitBreakerOptions? breaker, int healthyThreshold)
    {
        var regionOptions = new RegionOptions[regions];
        for (var r = 0; r < regions; r++)
        {
            regionOptions[r] = new RegionOptions
            {
                Name = $"region-{r + 1}",
                Destinations = [new Uri($"http://10.0.{r + 1}.1:{port}"), new Uri($"http://10.0.{r + 1}.2:{port}")],
            };
        }

        return new ServiceOptions
        {
            Name = name,
            Hosts = hosts,
            PathPrefix = prefix,
            Regions = regionOptions,
            CircuitBreaker = breaker ?? new CircuitBreakerOptions(),
            HealthCheck = new HealthCheckOptions { Path = "/healthz", HealthyThreshold = healthyThreshold },
        };
    }
}

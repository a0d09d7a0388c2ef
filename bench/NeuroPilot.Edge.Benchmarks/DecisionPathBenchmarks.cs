using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using NeuroPilot.Edge.Benchmarks.Infrastructure;
using NeuroPilot.Edge.CircuitBreaking;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Benchmarks;

/// <summary>
/// The per-request decision of <c>EdgeProxy</c>, without the network: <see cref="RoutingTable.Match(HttpRequest)"/>
/// (host, then path prefix, over five services), <see cref="ServiceRoute.ChooseFirst"/> (three regions of two
/// destinations), the chosen destination's breaker <see cref="CircuitBreaker.OnSuccess"/> and
/// <c>RegionMetrics.RecordRequest</c> (a Prometheus counter child and histogram child). Must be allocation-free.
/// Variants: the primary region tripped, a half-open destination, a Host header with a port, a traced request; and
/// the parts on their own (metrics, one clock read, the retry budget's per-request calls).
/// </summary>
[MemoryDiagnoser]
public class DecisionPathBenchmarks
{
    private const double Seconds = 0.0123;

    private RoutingTable _healthy = null!;
    private RoutingTable _primaryOpen = null!;
    private RoutingTable _halfOpen = null!;
    private HttpRequest _request = null!;
    private HttpRequest _requestWithPort = null!;
    private ServiceRoute _healthyApi = null!;
    private Routing.RetryBudget _budget = null!;
    private Activity? _activity;

    [GlobalSetup]
    public void Setup()
    {
        _request = EdgeFixture.Request();
        _requestWithPort = EdgeFixture.Request(host: EdgeFixture.ApiHost + ":8443");

        _healthy = EdgeFixture.BuildTable();
        _healthyApi = EdgeFixture.Api(_healthy);
        _budget = _healthyApi.Budget;
        ExpectRegion(_healthy, 0);

        // Every destination of the primary region tripped by consecutive failures: the scan goes on to region 2.
        _primaryOpen = EdgeFixture.BuildTable();
        foreach (var destination in EdgeFixture.Api(_primaryOpen).Regions[0].Destinations)
        {
            EdgeFixture.Trip(destination);
        }

        Publish(_primaryOpen); // as the health agent does on every breaker change
        ExpectRegion(_primaryOpen, 1);

        // One primary destination half-open with its trial requests taken (in flight): the state in which every
        // other request of the break is routed. A 1 ms break and one probe success make it reachable in setup.
        var quickBreak = new CircuitBreakerOptions { BreakDuration = TimeSpan.FromMilliseconds(1), MaxBreakDuration = TimeSpan.FromMilliseconds(1) };
        _halfOpen = EdgeFixture.BuildTable(quickBreak, healthyThreshold: 1);
        var halfOpen = EdgeFixture.Api(_halfOpen).Regions[0].Destinations[0];
        EdgeFixture.Trip(halfOpen);
        Thread.Sleep(20);
        halfOpen.Breaker.OnProbe(healthy: true);
        EdgeFixture.Expect(halfOpen.Breaker.State == CircuitState.HalfOpen, $"breaker is {halfOpen.Breaker.State}, not HalfOpen");
        var trials = 0;
        while (halfOpen.Breaker.TryAcquireTrial())
        {
            trials++;
        }

        EdgeFixture.Expect(trials == quickBreak.HalfOpenTrials, $"{trials} trial permits taken, expected {quickBreak.HalfOpenTrials}");
        Publish(_halfOpen);
        ExpectRegion(_halfOpen, 0);
    }

    /// <summary>Decides the api service's region health now and publishes it, as the health agent does on every change.</summary>
    private static void Publish(RoutingTable table)
    {
        var api = EdgeFixture.Api(table);
        api.Publish(Health.RegionEvaluator.Evaluate(api));
    }

    [GlobalSetup(Targets = [nameof(AllHealthyInTracedRequest), nameof(RecordRequestInTracedRequest)])]
    public void SetupTraced()
    {
        Setup();

        // ASP.NET Core hosting starts an Activity per request when its diagnostics logger, a DiagnosticListener or an
        // ActivityListener (OpenTelemetry tracing) is on. The edge turns the logger off (EdgeHost.ConfigureLogging),
        // so this is the cost tracing would add: prometheus-net's default exemplar provider reads Activity.Current on
        // every counter and histogram update.
        Activity.DefaultIdFormat = ActivityIdFormat.W3C;
        _activity = new Activity("Microsoft.AspNetCore.Hosting.HttpRequestIn").Start();
    }

    [GlobalCleanup]
    public void Cleanup() => _activity?.Stop();

    [Benchmark(Baseline = true, Description = "Match+ChooseFirst+OnSuccess+RecordRequest, all healthy")]
    public DestinationState? AllHealthy() => Decide(_healthy, _request);

    [Benchmark(Description = "same, primary region's breakers open (scan to region 2)")]
    public DestinationState? PrimaryBreakersOpen() => Decide(_primaryOpen, _request);

    [Benchmark(Description = "same, one primary destination half-open (trials taken)")]
    public DestinationState? OneDestinationHalfOpen() => Decide(_halfOpen, _request);

    [Benchmark(Description = "same, Host header with a port (api.example.com:8443)")]
    public DestinationState? AllHealthyHostWithPort() => Decide(_healthy, _requestWithPort);

    [Benchmark(Description = "same, inside a request Activity (exemplars)")]
    public DestinationState? AllHealthyInTracedRequest() => Decide(_healthy, _request);

    [Benchmark(Description = "RegionMetrics.RecordRequest alone")]
    public void RecordRequest() => _healthyApi.Regions[0].Metrics.RecordRequest(StatusCodes.Status200OK, Seconds);

    [Benchmark(Description = "RegionMetrics.RecordRequest alone, inside a request Activity")]
    public void RecordRequestInTracedRequest() => _healthyApi.Regions[0].Metrics.RecordRequest(StatusCodes.Status200OK, Seconds);

    [Benchmark(Description = "Stopwatch.GetTimestamp (one clock read, for scale)")]
    public long ClockRead() => Stopwatch.GetTimestamp();

    [Benchmark(Description = "RetryBudget.OnRequestStarted+CanRetry+OnRequestEnded")]
    public bool RetryBudget()
    {
        _budget.OnRequestStarted();
        var canRetry = _budget.CanRetry();
        _budget.OnRequestEnded();
        return canRetry;
    }

    private static DestinationState? Decide(RoutingTable table, HttpRequest request)
    {
        var service = table.Match(request);
        var destination = service!.ChooseFirst(out var region);
        destination!.Breaker.OnSuccess();
        region!.Metrics.RecordRequest(StatusCodes.Status200OK, Seconds);
        return destination;
    }

    private static void ExpectRegion(RoutingTable table, int priority)
    {
        var request = EdgeFixture.Request();
        var service = table.Match(request);
        EdgeFixture.Expect(service?.Name == "api", $"{EdgeFixture.ApiHost}{EdgeFixture.ApiPath} matched {service?.Name ?? "nothing"}, not api");
        for (var i = 0; i < 100; i++)
        {
            var destination = service!.ChooseFirst(out var region);
            EdgeFixture.Expect(destination is not null && region?.Priority == priority,
                $"ChooseFirst picked region {region?.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, expected {priority}");
        }
    }
}

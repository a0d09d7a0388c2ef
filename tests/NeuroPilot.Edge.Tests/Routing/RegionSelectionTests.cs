using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.CircuitBreaking;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Failover;
using NeuroPilot.Edge.Forwarding;
using NeuroPilot.Edge.Health;
using NeuroPilot.Edge.Hosting;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Tests.Routing;

/// <summary>
/// Which region and destination a request goes to as health changes: destination availability (probes and breaker),
/// region usability, first choice with half-open trials, panic and fail-closed, drains, and retries. The routing
/// table is built from a config file the way the edge builds it, with a fake clock behind every breaker.
/// </summary>
public class RegionSelectionTests
{
    /// <summary>Enough picks that a random choice of an unavailable destination would show.</summary>
    private const int ManyRequests = 200;

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void IsAvailable_HealthyDestination_IsTrue()
    {
        var destination = Table().Services[0].Regions[0].Destinations[0];

        Assert.True(destination.IsAvailable);
    }

    [Fact]
    public void IsAvailable_MarkedDownByProbes_IsFalse()
    {
        var destination = Table().Services[0].Regions[0].Destinations[0];

        destination.MarkedDown = true;

        Assert.False(destination.IsAvailable);
    }

    [Fact]
    public void IsAvailable_BreakerOpenOrHalfOpen_IsFalseUntilItCloses()
    {
        var destination = Table().Services[0].Regions[0].Destinations[0];

        Trip(destination);
        Assert.False(destination.IsAvailable);

        ToHalfOpen(destination);
        Assert.False(destination.IsAvailable);

        destination.Breaker.OnSuccess();
        Assert.True(destination.IsAvailable);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, true)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    public void IsUsable_WithMinHealthyDestinationsTwo_NeedsTwoAvailable(int unavailable, bool usable)
    {
        var service = Table(minHealthy: 2, usEast: 3).Services[0];
        var region = service.Regions[0];

        for (var i = 0; i < unavailable; i++)
        {
            if (i % 2 == 0)
            {
                region.Destinations[i].MarkedDown = true;
            }
            else
            {
                Trip(region.Destinations[i]);
            }
        }

        Assert.Equal(usable, RegionEvaluator.Evaluate(service).Of(region).Usable);
    }

    [Fact]
    public void PickDestination_OneDestinationDown_NeverPicksIt()
    {
        var region = Table().Services[0].Regions[0];
        var down = region.Destinations[0];
        down.MarkedDown = true;

        for (var i = 0; i < ManyRequests; i++)
        {
            Assert.Same(region.Destinations[1], region.PickDestination());
        }
    }

    [Fact]
    public void ChooseFirst_EveryRegionHealthy_PicksThePrimary()
    {
        var service = Table().Services[0];

        for (var i = 0; i < ManyRequests; i++)
        {
            var destination = Decided(service).ChooseFirst(out var region);
            Assert.Equal("us-east", region?.Name);
            Assert.Contains(destination, service.Regions[0].Destinations);
        }
    }

    [Fact]
    public void ChooseFirst_PrimaryMarkedDown_PicksTheNextRegion()
    {
        var service = Table().Services[0];
        MarkDown(service.Regions[0]);

        var destination = Decided(service).ChooseFirst(out var region);

        Assert.Equal("eu-west", region?.Name);
        Assert.Contains(destination, service.Regions[1].Destinations);
    }

    [Fact]
    public void ChooseFirst_PrimaryAndSecondaryDown_PicksTheThirdRegion()
    {
        var service = Table().Services[0];
        MarkDown(service.Regions[0]);
        foreach (var destination in service.Regions[1].Destinations)
        {
            Trip(destination);
        }

        Assert.Same(service.Regions[2].Destinations[0], Decided(service).ChooseFirst(out var region));
        Assert.Equal("ap-south", region?.Name);
    }

    [Fact]
    public void ChooseFirst_PrimaryWithOneBreakerOpen_StaysOnThePrimaryAndAvoidsIt()
    {
        var service = Table().Services[0];
        Trip(service.Regions[0].Destinations[0]);

        for (var i = 0; i < ManyRequests; i++)
        {
            Assert.Same(service.Regions[0].Destinations[1], Decided(service).ChooseFirst(out var region));
            Assert.Equal("us-east", region?.Name);
        }
    }

    [Fact]
    public void ChooseFirst_PrimaryBelowMinHealthyDestinations_PicksTheNextRegion()
    {
        var service = Table(minHealthy: 2).Services[0];
        service.Regions[0].Destinations[0].MarkedDown = true;

        for (var i = 0; i < ManyRequests; i++)
        {
            var destination = Decided(service).ChooseFirst(out var region);
            Assert.Equal("eu-west", region?.Name);
            Assert.Contains(destination, service.Regions[1].Destinations);
        }
    }

    [Fact]
    public void ChooseFirst_PrimaryHalfOpen_GetsItsTrialsThenTrafficStaysOnTheNextRegion()
    {
        var service = Table(usEast: 1, trials: 2).Services[0];
        var primary = service.Regions[0].Destinations[0];
        Trip(primary);
        Assert.Equal("eu-west", First(service));

        ToHalfOpen(primary);

        Assert.Same(primary, Decided(service).ChooseFirst(out var trialRegion));
        Assert.Equal("us-east", trialRegion?.Name);
        Assert.Same(primary, Decided(service).ChooseFirst(out _));
        for (var i = 0; i < ManyRequests; i++)
        {
            Assert.Equal("eu-west", First(service));
        }
    }

    [Fact]
    public void ChooseFirst_PrimaryTrialSucceeds_TrafficReturnsToThePrimary()
    {
        var service = Table(usEast: 1).Services[0];
        var primary = service.Regions[0].Destinations[0];
        Trip(primary);
        ToHalfOpen(primary);
        Assert.Same(primary, Decided(service).ChooseFirst(out _));

        primary.Breaker.OnSuccess();

        for (var i = 0; i < ManyRequests; i++)
        {
            Assert.Same(primary, Decided(service).ChooseFirst(out _));
        }
    }

    [Fact]
    public void ChooseFirst_PrimaryTrialFails_TrafficStaysOnTheNextRegion()
    {
        var service = Table(usEast: 1).Services[0];
        var primary = service.Regions[0].Destinations[0];
        Trip(primary);
        ToHalfOpen(primary);
        Assert.Same(primary, Decided(service).ChooseFirst(out _));

        primary.Breaker.OnFailure("status 503");

        Assert.Equal(CircuitState.Open, primary.Breaker.State);
        for (var i = 0; i < ManyRequests; i++)
        {
            Assert.Equal("eu-west", First(service));
        }
    }

    [Fact]
    public void ChooseFirst_HalfOpenButMarkedDownByProbes_GetsNoTrial()
    {
        var service = Table(usEast: 1).Services[0];
        var primary = service.Regions[0].Destinations[0];
        Trip(primary);
        ToHalfOpen(primary);

        primary.MarkedDown = true;

        Assert.Equal("eu-west", First(service));
        Assert.True(primary.Breaker.TryAcquireTrial()); // the trial slot was not used up
    }

    [Fact]
    public void ChooseFirst_EveryRegionDownInPanicMode_StillPicksADestinationInPriorityOrder()
    {
        var service = Table(policy: "panic").Services[0];
        foreach (var region in service.Regions)
        {
            MarkDown(region);
        }

        var destination = Decided(service).ChooseFirst(out var chosen);

        Assert.NotNull(destination);
        Assert.Equal("us-east", chosen?.Name);
        Assert.Contains(destination, service.Regions[0].Destinations);
    }

    [Fact]
    public void ChooseFirst_EveryRegionDownInPanicMode_KeepsDrainedRegionsOut()
    {
        var service = Table(policy: "panic").Services[0];
        foreach (var region in service.Regions)
        {
            MarkDown(region);
        }

        service.Regions[0].State.Drained = true;

        Decided(service).ChooseFirst(out var chosen);
        Assert.Equal("eu-west", chosen?.Name);
    }

    [Fact]
    public void ChooseFirst_EveryRegionDownWithFailClosed_ReturnsNothing()
    {
        var service = Table(policy: "failclosed").Services[0];
        foreach (var region in service.Regions)
        {
            MarkDown(region);
        }

        Assert.Null(Decided(service).ChooseFirst(out var chosen));
        Assert.Null(chosen);
    }

    [Fact]
    public void ChooseFirst_FailClosedWithARegionLeft_StillServes()
    {
        var service = Table(policy: "failclosed").Services[0];
        MarkDown(service.Regions[0]);
        MarkDown(service.Regions[1]);

        Assert.Same(service.Regions[2].Destinations[0], Decided(service).ChooseFirst(out _));
    }

    [Fact]
    public void ChooseFirst_HealthyPrimaryDrained_PicksTheNextRegion()
    {
        var service = Table().Services[0];
        service.Regions[0].State.Drained = true;

        for (var i = 0; i < ManyRequests; i++)
        {
            Assert.Equal("eu-west", First(service));
        }
    }

    [Fact]
    public void ChooseFirst_EveryRegionDrained_ReturnsNothingEvenInPanicMode()
    {
        var service = Table(policy: "panic").Services[0];
        foreach (var region in service.Regions)
        {
            region.State.Drained = true;
        }

        Assert.Null(Decided(service).ChooseFirst(out var chosen));
        Assert.Null(chosen);
    }

    [Fact]
    public void ChooseRetry_UntriedDestinationInTheSameRegion_ComesFirst()
    {
        var service = Table().Services[0];
        var attempt = new ForwardAttempt(_time);
        var first = Decided(service).ChooseFirst(out var region)!;
        attempt.Begin(first, perTryTimeout: null);

        var retry = Decided(service).ChooseRetry(region!, attempt.Tried, out var retryRegion);

        Assert.Equal("us-east", retryRegion?.Name);
        Assert.NotNull(retry);
        Assert.NotSame(first, retry);
        Assert.Contains(retry, service.Regions[0].Destinations);
    }

    [Fact]
    public void ChooseRetry_RegionExhausted_GoesToTheFollowingRegionsInOrderAndNeverRepeats()
    {
        var service = Table().Services[0];
        var attempt = new ForwardAttempt(_time);
        var destination = Decided(service).ChooseFirst(out var region);
        var regions = new List<string>();
        var tried = new List<DestinationState>();
        while (destination is not null)
        {
            Assert.DoesNotContain(destination, tried);
            tried.Add(destination);
            regions.Add(region!.Name);
            attempt.Begin(destination, perTryTimeout: null);
            attempt.End();
            destination = Decided(service).ChooseRetry(region, attempt.Tried, out region);
        }

        Assert.Equal(["us-east", "us-east", "eu-west", "eu-west", "ap-south"], regions);
        Assert.Null(region);
    }

    [Fact]
    public void ChooseRetry_OtherDestinationOfTheRegionDown_GoesToTheNextRegion()
    {
        var service = Table().Services[0];
        var (first, other) = (service.Regions[0].Destinations[0], service.Regions[0].Destinations[1]);
        Trip(other);
        var attempt = new ForwardAttempt(_time);
        attempt.Begin(first, perTryTimeout: null);

        var retry = Decided(service).ChooseRetry(service.Regions[0], attempt.Tried, out var retryRegion);

        Assert.Equal("eu-west", retryRegion?.Name);
        Assert.Contains(retry, service.Regions[1].Destinations);
    }

    [Fact]
    public void ChooseRetry_NextRegionDrained_SkipsIt()
    {
        var service = Table(usEast: 1).Services[0];
        service.Regions[1].State.Drained = true;
        var attempt = new ForwardAttempt(_time);
        attempt.Begin(service.Regions[0].Destinations[0], perTryTimeout: null);

        var retry = Decided(service).ChooseRetry(service.Regions[0], attempt.Tried, out var retryRegion);

        Assert.Equal("ap-south", retryRegion?.Name);
        Assert.Same(service.Regions[2].Destinations[0], retry);
    }

    [Fact]
    public void ChooseRetry_FromTheSecondRegion_DoesNotGoBackToThePrimary()
    {
        var service = Table(usEast: 1).Services[0];
        var attempt = new ForwardAttempt(_time);
        foreach (var destination in service.Regions[1].Destinations)
        {
            attempt.Begin(destination, perTryTimeout: null);
        }

        var retry = Decided(service).ChooseRetry(service.Regions[1], attempt.Tried, out var retryRegion);

        Assert.Equal("ap-south", retryRegion?.Name);
        Assert.Same(service.Regions[2].Destinations[0], retry);
    }

    [Fact]
    public void ChooseRetry_EveryRegionDownInPanicMode_TriesEachDestinationOnceInPriorityOrder()
    {
        var service = Table(policy: "panic").Services[0];
        foreach (var region in service.Regions)
        {
            MarkDown(region);
        }

        var attempt = new ForwardAttempt(_time);
        var destination = Decided(service).ChooseFirst(out var chosen);
        var regions = new List<string>();
        var tried = new HashSet<DestinationState>();
        while (destination is not null)
        {
            Assert.True(tried.Add(destination), $"{destination.Address} was tried twice");
            regions.Add(chosen!.Name);
            attempt.Begin(destination, perTryTimeout: null);
            attempt.End();
            destination = Decided(service).ChooseRetry(chosen, attempt.Tried, out chosen);
        }

        Assert.Equal(["us-east", "us-east", "eu-west", "eu-west", "ap-south"], regions);
    }

    [Fact]
    public void ChooseRetry_EveryRegionDownWithFailClosed_ReturnsNothing()
    {
        var service = Table(policy: "failclosed").Services[0];
        var attempt = new ForwardAttempt(_time);
        var first = Decided(service).ChooseFirst(out var region)!;
        attempt.Begin(first, perTryTimeout: null);
        foreach (var each in service.Regions)
        {
            MarkDown(each);
        }

        Assert.Null(Decided(service).ChooseRetry(region!, attempt.Tried, out var retryRegion));
        Assert.Null(retryRegion);
    }

    /// <summary>
    /// Service "api": us-east (<paramref name="usEast"/> destinations), eu-west (2), ap-south (1, or 2 when
    /// <paramref name="minHealthy"/> asks for it).
    /// </summary>
    private RoutingTable Table(int minHealthy = 1, int usEast = 2, int trials = 3, string policy = "panic")
    {
        static string Urls(int first, int count) =>
            string.Join(", ", Enumerable.Range(first, count).Select(port => $"\"http://127.0.0.1:{port}\""));

        var json = $$"""
            {
              "Services": {
                "api": {
                  "Regions": [
                    { "Name": "us-east",  "Destinations": [{{Urls(9001, usEast)}}] },
                    { "Name": "eu-west",  "Destinations": [{{Urls(9011, 2)}}] },
                    { "Name": "ap-south", "Destinations": [{{Urls(9021, minHealthy)}}] }
                  ],
                  "MinHealthyDestinations": {{minHealthy}},
                  "NoUsableRegion": "{{policy}}",
                  "HealthCheck": { "HealthyThreshold": 2 },
                  "CircuitBreaker": { "BreakDuration": "5s", "HalfOpenTrials": {{trials}} }
                }
              }
            }
            """;
        var metrics = new EdgeMetrics(Prometheus.Metrics.NewCustomRegistry());
        return new RoutingTableBuilder(metrics, new UpstreamClients(), _time).Build(ConfigLoader.Load(json), previous: null);
    }

    /// <summary>The health agent's decision on the service's current state, published, as after any change.</summary>
    private static ServiceRoute Decided(ServiceRoute service)
    {
        service.Publish(RegionEvaluator.Evaluate(service));
        return service;
    }

    private static string? First(ServiceRoute service)
    {
        Decided(service).ChooseFirst(out var region);
        return region?.Name;
    }

    private static void MarkDown(RegionRoute region)
    {
        foreach (var destination in region.Destinations)
        {
            destination.MarkedDown = true;
        }
    }

    private static void Trip(DestinationState destination)
    {
        destination.Breaker.OnStall("test: hung");
        Assert.Equal(CircuitState.Open, destination.Breaker.State);
    }

    /// <summary>The break passes and two probes (HealthyThreshold) vouch: the breaker goes half-open.</summary>
    private void ToHalfOpen(DestinationState destination)
    {
        _time.Advance(destination.Breaker.BreakDuration);
        destination.Breaker.OnProbe(healthy: true);
        destination.Breaker.OnProbe(healthy: true);
        Assert.Equal(CircuitState.HalfOpen, destination.Breaker.State);
    }
}

using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.CircuitBreaking;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Forwarding;
using NeuroPilot.Edge.Health;
using NeuroPilot.Edge.Health.Internal;
using NeuroPilot.Edge.Hosting;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Tests.Health;

/// <summary>
/// The health agent's tick, driven by hand with a fake clock: stall detection from the destinations' request
/// bookkeeping, breaker timers, the serving region and failover counting. The agent is never started, so no probe
/// loop touches the network.
/// </summary>
public sealed class HealthAgentTests : IDisposable
{
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(1);

    private readonly FakeTimeProvider _time = new();
    private readonly EdgeMetrics _metrics = new(EdgeMetrics.CreateRegistry());
    private readonly List<HealthAgent> _agents = [];

    public void Dispose()
    {
        foreach (var agent in _agents)
        {
            agent.Dispose();
        }
    }

    [Fact]
    public void Tick_TwoRequestsWithoutHeadersForStallTimeout_OpensTheBreaker()
    {
        var (agent, runtime) = Create();
        var destination = UsEast(runtime);
        destination.OnAttemptStarted();
        destination.OnAttemptStarted();

        _time.Advance(StallTimeout - TimeSpan.FromMilliseconds(1));
        agent.Tick();
        Assert.Equal(CircuitState.Closed, destination.Breaker.State);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        agent.Tick();
        Assert.Equal(CircuitState.Open, destination.Breaker.State);
    }

    [Fact]
    public void Tick_StalledDestination_ShowsInTheGauges()
    {
        var (agent, runtime) = Create();
        var destination = UsEast(runtime);
        Stall(destination);

        agent.Tick();

        Assert.Equal(0, Series(destination).Healthy);
        Assert.Equal((int)CircuitState.Open, Series(destination).Circuit);
    }

    [Fact]
    public void Tick_HeadersArrivingWithinStallTimeout_KeepsTheBreakerClosed()
    {
        var (agent, runtime) = Create();
        var destination = UsEast(runtime);

        // Steady traffic to a slow but alive destination: three requests always waiting, one answered every 0.8 s.
        var started = new Queue<long>();
        for (var i = 0; i < 3; i++)
        {
            started.Enqueue(destination.OnAttemptStarted());
        }

        for (var step = 0; step < 10; step++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(800));
            destination.OnHeadersReceived(started.Dequeue());
            started.Enqueue(destination.OnAttemptStarted());
            agent.Tick();
        }

        Assert.Equal(3, destination.AwaitingHeaders);
        Assert.Equal(CircuitState.Closed, destination.Breaker.State);
    }

    [Fact]
    public void Tick_SilenceSinceTheLastHeaders_CountsTowardsTheStall()
    {
        var (agent, runtime) = Create();
        var destination = UsEast(runtime);
        var first = destination.OnAttemptStarted();
        destination.OnAttemptStarted();
        destination.OnAttemptStarted();
        _time.Advance(TimeSpan.FromMilliseconds(800));
        destination.OnHeadersReceived(first);

        _time.Advance(StallTimeout - TimeSpan.FromMilliseconds(1));
        agent.Tick();
        Assert.Equal(CircuitState.Closed, destination.Breaker.State);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        agent.Tick();
        Assert.Equal(CircuitState.Open, destination.Breaker.State);
    }

    [Fact]
    public void Tick_OnlyOneRequestWaiting_IsNotAStall()
    {
        var (agent, runtime) = Create();
        var destination = UsEast(runtime);
        destination.OnAttemptStarted();

        _time.Advance(TimeSpan.FromSeconds(30));
        agent.Tick();

        Assert.Equal(CircuitState.Closed, destination.Breaker.State);
    }

    [Fact]
    public void Tick_OneSlowRequestThenASecondJustSent_DoesNotTripAtOnce()
    {
        var (agent, runtime) = Create();
        var destination = UsEast(runtime);
        destination.OnAttemptStarted(); // a slow report, legitimately 3 s to its first byte
        _time.Advance(TimeSpan.FromSeconds(2));
        agent.Tick();

        destination.OnAttemptStarted(); // a quick request arrives on the otherwise idle service
        _time.Advance(TimeSpan.FromMilliseconds(50));
        agent.Tick();

        // Only one request has waited StallTimeout; StallMinRequests is 2.
        Assert.Equal(CircuitState.Closed, destination.Breaker.State);
    }

    [Fact]
    public void Tick_SecondRequestAlsoWaitsStallTimeout_Trips()
    {
        var (agent, runtime) = Create();
        var destination = UsEast(runtime);
        destination.OnAttemptStarted();
        _time.Advance(TimeSpan.FromSeconds(2));
        destination.OnAttemptStarted();

        _time.Advance(StallTimeout);
        agent.Tick();

        Assert.Equal(CircuitState.Open, destination.Breaker.State);
    }

    [Fact]
    public void Tick_WaitingRequestsEndedWithoutHeaders_AreNoLongerAStall()
    {
        var (agent, runtime) = Create();
        var destination = UsEast(runtime);
        destination.OnAttemptStarted();
        destination.OnAttemptStarted();
        _time.Advance(TimeSpan.FromMilliseconds(500));
        destination.OnAttemptEndedWithoutHeaders();
        destination.OnAttemptEndedWithoutHeaders();

        _time.Advance(TimeSpan.FromSeconds(5));
        agent.Tick();

        Assert.Equal(CircuitState.Closed, destination.Breaker.State);
    }

    [Fact]
    public void Tick_StallTimeoutZero_NeverOpensTheBreaker()
    {
        var (agent, runtime) = Create(stallTimeout: "0s");
        var destination = UsEast(runtime);
        for (var i = 0; i < 10; i++)
        {
            destination.OnAttemptStarted();
        }

        for (var step = 0; step < 60; step++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            agent.Tick();
        }

        Assert.Equal(CircuitState.Closed, destination.Breaker.State);
    }

    [Fact]
    public void Tick_BreakOverAndProbesVouched_MovesTheBreakerToHalfOpen()
    {
        var (agent, runtime) = Create();
        var destination = UsEast(runtime);
        destination.Breaker.OnStall("test: hung");
        destination.Breaker.OnProbe(healthy: true);
        destination.Breaker.OnProbe(healthy: true);

        _time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(1));
        agent.Tick();
        Assert.Equal(CircuitState.Open, destination.Breaker.State);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        agent.Tick();
        Assert.Equal(CircuitState.HalfOpen, destination.Breaker.State);
        Assert.Equal((int)CircuitState.HalfOpen, Series(destination).Circuit);
    }

    [Fact]
    public void Tick_FirstTick_CountsNoFailover()
    {
        var (agent, _) = Create();

        agent.Tick();

        Assert.Equal(0, Failovers("none", "us-east"));
        Assert.Equal(0, Failovers("us-east", "eu-west"));
        Assert.Equal(1, _metrics.RegionServing.WithLabels("api", "us-east").Value);
        Assert.Equal(0, _metrics.RegionServing.WithLabels("api", "eu-west").Value);
    }

    [Fact]
    public void Tick_StalledPrimary_CountsOneFailoverToTheNextRegion()
    {
        var (agent, runtime) = Create();
        agent.Tick();
        Stall(UsEast(runtime));

        agent.Tick();
        agent.Tick();
        agent.Tick();

        Assert.Equal(1, Failovers("us-east", "eu-west"));
        Assert.Equal(0, _metrics.RegionServing.WithLabels("api", "us-east").Value);
        Assert.Equal(1, _metrics.RegionServing.WithLabels("api", "eu-west").Value);
    }

    [Fact]
    public void Tick_PrimaryMarkedDownThenBackUp_CountsTheFailoverAndTheFailback()
    {
        var (agent, runtime) = Create();
        var primary = UsEast(runtime);
        agent.Tick();

        primary.MarkedDown = true;
        agent.Tick();
        primary.MarkedDown = false;
        agent.Tick();

        Assert.Equal(1, Failovers("us-east", "eu-west"));
        Assert.Equal(1, Failovers("eu-west", "us-east"));
        Assert.Equal(1, _metrics.RegionServing.WithLabels("api", "us-east").Value);
    }

    [Fact]
    public void Tick_EveryRegionDown_CountsAFailoverToNone()
    {
        var (agent, runtime) = Create();
        agent.Tick();

        foreach (var region in runtime.Table.Services[0].Regions)
        {
            foreach (var destination in region.Destinations)
            {
                destination.MarkedDown = true;
            }
        }

        agent.Tick();

        Assert.Equal(1, Failovers("us-east", "none"));
        Assert.Equal(0, _metrics.RegionServing.WithLabels("api", "us-east").Value);
        Assert.Equal(0, _metrics.RegionServing.WithLabels("api", "eu-west").Value);
    }

    [Fact]
    public void Tick_ReconciledDestinationGoesDownAndUp_GaugesFollowEachChange()
    {
        var (agent, runtime) = Create();
        agent.Reconcile(runtime.Table);
        var destination = UsEast(runtime);
        Assert.Equal(1, Series(destination).Healthy);

        destination.MarkedDown = true;
        agent.Tick();
        Assert.Equal(0, Series(destination).Healthy);

        destination.MarkedDown = false;
        agent.Tick();
        Assert.Equal(1, Series(destination).Healthy);
        Assert.Equal("us-east", runtime.Table.Services[0].Health.Serving?.Name);
    }

    [Fact]
    public void Tick_ReconciledAndIdle_VisitsNoDestination()
    {
        var (agent, runtime) = Create();
        agent.Reconcile(runtime.Table);

        agent.Tick();

        Assert.Equal(0, agent.Attended);
    }

    [Fact]
    public void Tick_ReconciledRequestWaiting_VisitsThatDestinationUntilItsHeadersCome()
    {
        var (agent, runtime) = Create();
        agent.Reconcile(runtime.Table);
        var destination = UsEast(runtime);

        var started = destination.OnAttemptStarted();
        agent.Tick();
        Assert.Equal(1, agent.Attended);
        agent.Tick();
        Assert.Equal(1, agent.Attended);

        destination.OnHeadersReceived(started);
        agent.Tick();
        Assert.Equal(0, agent.Attended);

        // Listed again by the next request that waits.
        destination.OnAttemptStarted();
        agent.Tick();
        Assert.Equal(1, agent.Attended);
    }

    [Fact]
    public void Tick_ReconciledTwoRequestsWithoutHeadersForStallTimeout_OpensTheBreakerAndFailsOver()
    {
        var (agent, runtime) = Create();
        agent.Reconcile(runtime.Table);
        var destination = UsEast(runtime);
        destination.OnAttemptStarted();
        destination.OnAttemptStarted();

        _time.Advance(StallTimeout - TimeSpan.FromMilliseconds(1));
        agent.Tick();
        Assert.Equal(CircuitState.Closed, destination.Breaker.State);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        agent.Tick();
        Assert.Equal(CircuitState.Open, destination.Breaker.State);
        Assert.Equal(0, Series(destination).Healthy);
        Assert.Equal("eu-west", runtime.Table.Services[0].Health.Serving?.Name);
    }

    [Fact]
    public async Task Tick_ReconciledBreakOverAndProbesVouched_MovesTheBreakerToHalfOpen()
    {
        var (agent, runtime) = Create();
        agent.Reconcile(runtime.Table);

        // No real probe may fail in between (its port has no listener): the test's probe results are the only ones.
        await agent.StopAsync(CancellationToken.None);
        var destination = UsEast(runtime);
        destination.Breaker.OnStall("test: hung");
        destination.Breaker.OnProbe(healthy: true);
        destination.Breaker.OnProbe(healthy: true);

        _time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(1));
        agent.Tick();
        Assert.Equal(CircuitState.Open, destination.Breaker.State);
        Assert.Equal(1, agent.Attended);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        agent.Tick();
        Assert.Equal(CircuitState.HalfOpen, destination.Breaker.State);
        Assert.Equal((int)CircuitState.HalfOpen, Series(destination).Circuit);
        agent.Tick();
        Assert.Equal(0, agent.Attended);
    }

    [Fact]
    public void Tick_ReconciledPrimaryMarkedDownThenBackUp_FailsOverAndBack()
    {
        var (agent, runtime) = Create();
        agent.Reconcile(runtime.Table);
        var primary = UsEast(runtime);

        primary.MarkedDown = true;
        agent.Tick();
        Assert.Equal("eu-west", runtime.Table.Services[0].Health.Serving?.Name);

        primary.MarkedDown = false;
        agent.Tick();
        Assert.Equal("us-east", runtime.Table.Services[0].Health.Serving?.Name);
        Assert.Equal(1, Failovers("us-east", "eu-west"));
        Assert.Equal(1, Failovers("eu-west", "us-east"));
    }

    [Fact]
    public void Reconcile_RegionRemovedByAReload_ItsMetricSeriesAreGone()
    {
        var (agent, runtime) = Create();
        agent.Reconcile(runtime.Table);
        var euWest = runtime.Table.Services[0].Regions[1].Destinations[0];
        euWest.MarkedDown = true;
        agent.Tick();
        runtime.Table.Services[0].Regions[1].Metrics.RecordRequest(200, 0.001);
        Assert.Contains(_metrics.Destinations.All, series => series.Region == "eu-west" && series.Healthy is not null);

        runtime.Apply(Config("1s", withEuWest: false), "test");
        agent.Reconcile(runtime.Table);
        agent.Tick();

        Assert.DoesNotContain(_metrics.Destinations.All, series => series.Region == "eu-west");
        Assert.DoesNotContain(_metrics.RegionServing.GetAllLabelValues(), labels => labels[1] == "eu-west");
        Assert.DoesNotContain(_metrics.Requests.GetAllLabelValues(), labels => labels[1] == "eu-west");
        Assert.Contains(_metrics.RegionServing.GetAllLabelValues(), labels => labels[1] == "us-east");
    }

    [Fact]
    public void Reconcile_HealthCheckSettingsChangedForADestinationKnownDown_KeepsItDown()
    {
        var (agent, runtime) = Create();
        agent.Reconcile(runtime.Table);
        var primary = UsEast(runtime);
        primary.MarkedDown = true; // what its probes concluded

        runtime.Apply(Config("1s", interval: "7s"), "test");
        agent.Reconcile(runtime.Table);

        Assert.Same(primary, UsEast(runtime));
        Assert.True(primary.MarkedDown);
        Assert.Equal("eu-west", runtime.Table.Services[0].Health.Serving?.Name);
    }

    [Fact]
    public async Task StartAsync_TableOfManyDestinations_CompactsTheHeapAfterTheirFirstProbes()
    {
        var destinations = string.Join(',', Enumerable.Range(0, HeapCompaction.MinDestinations).Select(i => $"\"http://127.0.{1 + (i / 250)}.{1 + (i % 250)}:9\""));
        var json = $$"""
            { "Services": { "api": {
                "Regions": [ { "Name": "us-east", "Destinations": [{{destinations}}] } ],
                "HealthCheck": { "Interval": "10s", "FastInterval": "1s", "Timeout": "2s" } } } }
            """;
        var (agent, _) = CreateFrom(json);

        await agent.StartAsync(CancellationToken.None);

        Assert.True(agent.Compaction.Pending);
        Assert.Equal(0, agent.Compaction.Compactions);
    }

    [Fact]
    public async Task StartAsync_SmallTable_NeverCompactsTheHeap()
    {
        var (agent, _) = Create();

        await agent.StartAsync(CancellationToken.None);

        Assert.False(agent.Compaction.Pending);
    }

    private (HealthAgent Agent, EdgeRuntime Runtime) Create(string stallTimeout = "1s") => CreateFrom(Config(stallTimeout));

    private (HealthAgent Agent, EdgeRuntime Runtime) CreateFrom(string json)
    {
        var builder = new RoutingTableBuilder(_metrics, new UpstreamClients(), _time);
        var runtime = new EdgeRuntime(null, ConfigLoader.Load(json), json, builder.Build, EdgeConfigChecks.All, _metrics, _time, NullLogger<EdgeRuntime>.Instance);
        var agent = new HealthAgent(runtime, _metrics, _time, NullLogger<HealthAgent>.Instance);
        _agents.Add(agent);
        return (agent, runtime);
    }

    /// <summary>us-east then eu-west; probes on ports nothing listens on, far apart in (fake) time.</summary>
    private static string Config(string stallTimeout, bool withEuWest = true, string interval = "10s")
    {
        var euWest = withEuWest ? """, { "Name": "eu-west", "Destinations": ["http://127.0.0.1:9011"] }""" : "";
        return $$"""
            {
              "Services": {
                "api": {
                  "Regions": [
                    { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001"] }{{euWest}}
                  ],
                  "HealthCheck": { "Path": "/healthz", "HealthyThreshold": 2, "Interval": "{{interval}}", "FastInterval": "{{interval}}" },
                  "CircuitBreaker": { "StallTimeout": "{{stallTimeout}}", "StallMinRequests": 2, "BreakDuration": "5s" }
                }
              }
            }
            """;
    }

    private static DestinationState UsEast(EdgeRuntime runtime) => runtime.Table.Services[0].Regions[0].Destinations[0];

    /// <summary>Two requests hang past the stall timeout.</summary>
    private void Stall(DestinationState destination)
    {
        destination.OnAttemptStarted();
        destination.OnAttemptStarted();
        _time.Advance(StallTimeout);
    }

    private DestinationSeries Series(DestinationState destination) =>
        _metrics.Destinations.TryGet(destination.Service, destination.Region, destination.Address, out var series) ? series : throw new InvalidOperationException($"no series of {destination.Address}");

    private double Failovers(string from, string to) => _metrics.Failovers.WithLabels("api", from, to).Value;
}

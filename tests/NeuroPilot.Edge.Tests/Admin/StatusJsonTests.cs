using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Admin;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns;
using NeuroPilot.Edge.Forwarding;
using NeuroPilot.Edge.Health;
using NeuroPilot.Edge.Hosting;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Admin;

/// <summary>
/// The exact text of <c>/admin/status</c> for a representative edge (two services; a usable, a drained and a
/// down region; destinations up, down, never probed, with open and half-open breakers; DNS off and DNS with a
/// plan), captured from the hand-written writer before the typed records replaced it: users' scripts parse it,
/// so every property, its order, its value format and every null must stay.
/// </summary>
public sealed class StatusJsonTests(ITestOutputHelper output) : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
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
    public void Status_DnsDisabled_IsTheSameJsonAsBefore()
    {
        var runtime = RepresentativeEdge();

        var json = Render(runtime, DnsStatus.Disabled);

        Assert.Equal(Expected(ServicesJson + "\n" + DnsDisabledJson), json);
    }

    [Fact]
    public void Status_DnsWithAPlan_IsTheSameJsonAsBefore()
    {
        var runtime = RepresentativeEdge();

        var json = Render(runtime, RepresentativeDns());

        Assert.Equal(Expected(ServicesJson + "\n" + DnsWithPlanJson), json);
    }

    [Fact]
    public void Status_DnsStartingWithoutAPlan_WritesNullsForWhatIsNotKnownYet()
    {
        var runtime = RepresentativeEdge();
        var dns = new DnsStatus { State = DnsPusherState.Starting, Provider = "rfc2136", OwnerId = "edge-fleet-1" };

        var json = Render(runtime, dns);

        Assert.Equal(Expected(ServicesJson + "\n" + DnsStartingJson), json);
    }

    /// <summary>A figure for the record, not a budget: 2,000 renders of the status with DNS and a plan.</summary>
    [Fact]
    public void Status_RenderedTwoThousandTimes_ReportsTimeAndAllocationPerResponse()
    {
        var runtime = RepresentativeEdge();
        var dns = RepresentativeDns();
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        const int Count = 2_000;
        for (var i = 0; i < 200; i++)
        {
            buffer.ResetWrittenCount();
            Write(buffer, runtime, dns);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var started = TimeProvider.System.GetTimestamp();
        for (var i = 0; i < Count; i++)
        {
            buffer.ResetWrittenCount();
            Write(buffer, runtime, dns);
        }

        var elapsed = TimeProvider.System.GetElapsedTime(started);
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        output.WriteLine($"{Count} renders of {buffer.WrittenCount} B: {elapsed.TotalMicroseconds / Count:0.0} us and {allocated / Count} B allocated per response");
        Assert.Equal(Expected(ServicesJson + "\n" + DnsWithPlanJson), Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static void Write(ArrayBufferWriter<byte> buffer, EdgeRuntime runtime, DnsStatus dns) => StatusJson.From(runtime, dns).WriteTo(buffer);

    private static string Render(EdgeRuntime runtime, DnsStatus dns)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(buffer, runtime, dns);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Expected(string body) =>
        "{\n  \"version\": \"" + EdgeVersion.Current + "\",\n  \"config\": \"(built in)\",\n" + body.ReplaceLineEndings("\n") + "\n}";

    /// <summary>
    /// api: us-east usable (one destination up, one down with its breaker open), eu-west drained (never probed),
    /// ap-south down (breaker half-open after a stall). web: hosts, a path prefix, fail-closed, nothing probed.
    /// </summary>
    private EdgeRuntime RepresentativeEdge()
    {
        const string json = """
            {
              "Services": {
                "api": {
                  "Regions": [
                    { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001", "http://127.0.0.1:9002"] },
                    { "Name": "eu-west", "Destinations": ["http://127.0.0.1:9011"] },
                    { "Name": "ap-south", "Destinations": ["http://127.0.0.1:9021"] }
                  ],
                  "HealthCheck": { "Path": "/healthz", "HealthyThreshold": 2 },
                  "CircuitBreaker": { "BreakDuration": "5s" }
                },
                "web": {
                  "Hosts": ["www.example.com", "example.com"],
                  "PathPrefix": "/web",
                  "NoUsableRegion": "FailClosed",
                  "Regions": [ { "Name": "us-east", "Destinations": ["http://127.0.0.1:9101"] } ]
                }
              }
            }
            """;
        var builder = new RoutingTableBuilder(_metrics, new UpstreamClients(), _time);
        var runtime = new EdgeRuntime(null, ConfigLoader.Load(json), json, builder.Build, EdgeConfigChecks.All, _metrics, _time, NullLogger<EdgeRuntime>.Instance);
        var agent = new HealthAgent(runtime, _metrics, _time, NullLogger<HealthAgent>.Instance);
        _agents.Add(agent);

        var api = runtime.Table.Services[0];
        var (usEast, euWest, apSouth) = (api.Regions[0], api.Regions[1], api.Regions[2]);
        usEast.Destinations[0].ProbeRecord = new ProbeSnapshot(true, new ProbeResult(true, TimeSpan.FromTicks(12_345_678), "200 OK"), Start, 0, 7);
        usEast.Destinations[1].MarkedDown = true;
        usEast.Destinations[1].Breaker.OnStall("2 requests waiting");
        usEast.Destinations[1].ProbeRecord = new ProbeSnapshot(
            false, new ProbeResult(false, TimeSpan.FromSeconds(2), "timeout after 2000 ms"), Start.AddMilliseconds(1500), 3, 0);
        euWest.State.Drained = true;
        var stalled = apSouth.Destinations[0];
        stalled.MarkedDown = true;
        stalled.Breaker.OnStall("2 requests waiting");
        _time.Advance(TimeSpan.FromSeconds(5));
        stalled.Breaker.OnProbe(true);
        stalled.Breaker.OnProbe(true);
        stalled.ProbeRecord = new ProbeSnapshot(false, new ProbeResult(false, TimeSpan.FromMilliseconds(0.25), "connection refused"), _time.GetUtcNow(), 1, 0);
        foreach (var service in runtime.Table.Services)
        {
            agent.Evaluate(service);
        }

        return runtime;
    }

    private static DnsStatus RepresentativeDns()
    {
        var current = new DnsRecordSet("API.example.com.", DnsRecordType.A, 60, ["192.0.2.10", "192.0.2.1"]);
        var desired = new DnsRecordSet("api.example.com", DnsRecordType.A, 60, ["198.51.100.7"]);
        var created = new DnsRecordSet("v6.example.com", DnsRecordType.AAAA, 300, ["2001:db8::1"]);
        var plan = new DnsPlan(
            [new DnsChange(current, desired), new DnsChange(null, created)],
            [
                new DnsRecordPlan("api.example.com", DnsRecordType.A, DnsRecordOutcome.Update, "us-east is down", current, desired),
                new DnsRecordPlan("v6.example.com", DnsRecordType.AAAA, DnsRecordOutcome.Create, "", null, created),
                new DnsRecordPlan("www.example.com", DnsRecordType.CNAME, DnsRecordOutcome.Conflict, "exists without our marker", null, null),
            ],
            Managed: 1,
            OverChangeCap: "3 changes of 4 records is over the cap of 30%");
        return new DnsStatus
        {
            State = DnsPusherState.Failing,
            Provider = "cloudflare",
            OwnerId = "edge-fleet-1",
            DryRun = true,
            LastAttemptAt = Start.AddSeconds(30.125),
            LastResult = DnsRoundResult.RateLimited,
            LastError = "429 (10429): rate limited",
            LastSuccessAt = new DateTimeOffset(2026, 12, 4, 11, 0, 0, TimeSpan.FromHours(1)),
            LastChangeAt = null,
            NextAttemptNotBefore = Start.AddMinutes(5),
            LastPlan = plan,
            NeverEmptyBlocked = ["api.example.com A"],
            Regions =
            [
                new DnsRegionStatus("api", "us-east", Live: false, Published: true, Since: Start.AddSeconds(1)),
                new DnsRegionStatus("api", "eu-west", Live: true, Published: true, Since: null),
                new DnsRegionStatus("api", "ap-south", Live: null, Published: null, Since: null),
            ],
        };
    }

    private const string ServicesJson = """
          "services": [
            {
              "name": "api",
              "serving_region": "us-east",
              "hosts": [],
              "path_prefix": null,
              "no_usable_region": "panic",
              "retries_in_flight": 0,
              "regions": [
                {
                  "name": "us-east",
                  "priority": 0,
                  "usable": true,
                  "drained": false,
                  "reason": "usable",
                  "serving": true,
                  "destinations": [
                    {
                      "address": "http://127.0.0.1:9001",
                      "available": true,
                      "health": "up",
                      "breaker": "closed",
                      "in_flight": 0,
                      "last_probe": {
                        "ok": true,
                        "result": "200 OK",
                        "latency_ms": 1234.568,
                        "at": "2026-12-04T10:00:00+00:00",
                        "consecutive_failures": 0,
                        "consecutive_successes": 7
                      }
                    },
                    {
                      "address": "http://127.0.0.1:9002",
                      "available": false,
                      "health": "down",
                      "breaker": "open",
                      "in_flight": 0,
                      "last_probe": {
                        "ok": false,
                        "result": "timeout after 2000 ms",
                        "latency_ms": 2000,
                        "at": "2026-12-04T10:00:01.5+00:00",
                        "consecutive_failures": 3,
                        "consecutive_successes": 0
                      }
                    }
                  ]
                },
                {
                  "name": "eu-west",
                  "priority": 1,
                  "usable": false,
                  "drained": true,
                  "reason": "drained",
                  "serving": false,
                  "destinations": [
                    {
                      "address": "http://127.0.0.1:9011",
                      "available": true,
                      "health": "unknown",
                      "breaker": "closed",
                      "in_flight": 0,
                      "last_probe": null
                    }
                  ]
                },
                {
                  "name": "ap-south",
                  "priority": 2,
                  "usable": false,
                  "drained": false,
                  "reason": "0 of 1 destinations available (needs 1)",
                  "serving": false,
                  "destinations": [
                    {
                      "address": "http://127.0.0.1:9021",
                      "available": false,
                      "health": "down",
                      "breaker": "half-open",
                      "in_flight": 0,
                      "last_probe": {
                        "ok": false,
                        "result": "connection refused",
                        "latency_ms": 0.25,
                        "at": "2026-12-04T10:00:05+00:00",
                        "consecutive_failures": 1,
                        "consecutive_successes": 0
                      }
                    }
                  ]
                }
              ]
            },
            {
              "name": "web",
              "serving_region": "us-east",
              "hosts": [
                "www.example.com",
                "example.com"
              ],
              "path_prefix": "/web",
              "no_usable_region": "fail-closed",
              "retries_in_flight": 0,
              "regions": [
                {
                  "name": "us-east",
                  "priority": 0,
                  "usable": true,
                  "drained": false,
                  "reason": "usable",
                  "serving": true,
                  "destinations": [
                    {
                      "address": "http://127.0.0.1:9101",
                      "available": true,
                      "health": "unknown",
                      "breaker": "closed",
                      "in_flight": 0,
                      "last_probe": null
                    }
                  ]
                }
              ]
            }
          ],
        """;

    private const string DnsDisabledJson = """
          "dns": {
            "state": "disabled"
          }
        """;

    private const string DnsWithPlanJson = """
          "dns": {
            "state": "failing",
            "provider": "cloudflare",
            "owner_id": "edge-fleet-1",
            "dry_run": true,
            "last_attempt_at": "2026-12-04T10:00:30.125+00:00",
            "last_result": "rate_limited",
            "last_error": "429 (10429): rate limited",
            "last_success_at": "2026-12-04T11:00:00+01:00",
            "last_change_at": null,
            "next_attempt_not_before": "2026-12-04T10:05:00+00:00",
            "never_empty_blocked": true,
            "never_empty_records": [
              "api.example.com A"
            ],
            "regions": [
              {
                "service": "api",
                "region": "us-east",
                "live": false,
                "published": true,
                "since": "2026-12-04T10:00:01+00:00"
              },
              {
                "service": "api",
                "region": "eu-west",
                "live": true,
                "published": true,
                "since": null
              },
              {
                "service": "api",
                "region": "ap-south",
                "live": null,
                "published": null,
                "since": null
              }
            ],
            "last_plan": {
              "changes": 2,
              "managed": 1,
              "over_change_cap": "3 changes of 4 records is over the cap of 30%",
              "records": [
                {
                  "name": "api.example.com",
                  "type": "A",
                  "outcome": "update",
                  "detail": "us-east is down",
                  "current": [
                    "192.0.2.1",
                    "192.0.2.10"
                  ],
                  "desired": [
                    "198.51.100.7"
                  ]
                },
                {
                  "name": "v6.example.com",
                  "type": "AAAA",
                  "outcome": "create",
                  "detail": "",
                  "current": null,
                  "desired": [
                    "2001:db8::1"
                  ]
                },
                {
                  "name": "www.example.com",
                  "type": "CNAME",
                  "outcome": "conflict",
                  "detail": "exists without our marker",
                  "current": null,
                  "desired": null
                }
              ]
            }
          }
        """;

    private const string DnsStartingJson = """
          "dns": {
            "state": "starting",
            "provider": "rfc2136",
            "owner_id": "edge-fleet-1",
            "dry_run": false,
            "last_attempt_at": null,
            "last_result": null,
            "last_error": null,
            "last_success_at": null,
            "last_change_at": null,
            "next_attempt_not_before": null,
            "never_empty_blocked": false,
            "never_empty_records": [],
            "regions": [],
            "last_plan": null
          }
        """;
}

using System.Diagnostics;
using System.Net;
using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>SIGTERM: the edge stops accepting, lets the requests in flight finish, and exits 0.</summary>
public sealed class DrainTests(ITestOutputHelper output)
{
    private const int LongRequests = 3;
    private const int LongRequestMilliseconds = 1500;
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Sigterm_UnderLoadWithLongRequestsInFlight_DrainsThemAndExitsZero()
    {
        // Long requests go to a service of their own, so the edge's status tells exactly when they are in flight.
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "slow");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        using var edge = await EdgeProcess.StartAsync($$"""
            {
              "Edge": {
                "Listen": ["http://127.0.0.1:{{proxyPort}}"], "Admin": { "Listen": "http://127.0.0.1:{{adminPort}}" },
                "DrainTimeout": "{{DrainTimeout.TotalSeconds}}s"
              },
              "Services": {
                "api": { "Regions": [ { "Name": "us-east", "Destinations": ["{{upstreams["us-east"].Destination}}"] } ] },
                "slow": { "PathPrefix": "/delay", "Regions": [ { "Name": "slow", "Destinations": ["{{upstreams["slow"].Destination}}"] } ] }
              }
            }
            """);
        await using var load = SteadyLoad.Start(edge.ProxyUrl, requestsPerSecond: 150, duration: TimeSpan.FromSeconds(8));
        await Eventually.WaitUntilAsync(() => load.Total >= 50, Deadline, "50 answers");

        using var longClient = edge.CreateClient();
        var longRequests = Enumerable.Range(0, LongRequests)
            .Select(_ => longClient.GetAsync($"/delay?ms={LongRequestMilliseconds}"))
            .ToArray();
        await Eventually.WaitUntilAsync(async () => await SlowInFlightAsync(edge) == LongRequests, Deadline, $"{LongRequests} long requests in flight at the upstream");

        var signalledAt = load.Elapsed;
        var clock = Stopwatch.StartNew();
        edge.SendSignal(UnixSignal.SIGTERM);
        var responses = await Task.WhenAll(longRequests).WaitAsync(DrainTimeout + Deadline);
        var longDoneAfter = clock.Elapsed;
        var exitCode = await edge.WaitForExitAsync(DrainTimeout + Deadline);
        var exitedAfter = clock.Elapsed;
        await load.StopAsync();

        var startedBefore = load.Samples.Where(s => s.SentAt < signalledAt).ToArray();
        output.WriteLine($"long requests done {longDoneAfter.TotalMilliseconds:0} ms after SIGTERM, process exited with code {exitCode} after {exitedAfter.TotalMilliseconds:0} ms (DrainTimeout {DrainTimeout.TotalSeconds} s)");
        output.WriteLine($"load: {load.Summary()}");
        output.WriteLine($"after SIGTERM: {load.Refused} refused to connect (never reached the edge), {load.FailedAfterSending} failed after sending");
        foreach (var failure in load.Samples.Where(s => s.Outcome == LoadOutcome.FailedAfterSending).Take(5))
        {
            output.WriteLine($"  failed: sent {failure.SentAt.TotalMilliseconds:0} ms, {failure.Error}");
        }

        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal($"slow after {LongRequestMilliseconds} ms\n", await response.Content.ReadAsStringAsync());
            response.Dispose();
        }

        Assert.Equal(0, exitCode);
        Assert.True(exitedAfter < DrainTimeout, $"exited {exitedAfter.TotalMilliseconds:0} ms after SIGTERM, DrainTimeout is {DrainTimeout.TotalSeconds} s");
        Assert.Equal(0, load.FailedAfterSending);
        Assert.All(startedBefore, s => Assert.Equal(LoadOutcome.Ok, s.Outcome));
        Assert.True(edge.Output.StderrContains("Stopped: in-flight requests drained"), edge.Output.Stderr);
    }

    private static async Task<int> SlowInFlightAsync(EdgeProcess edge)
    {
        var status = await edge.GetStatusJsonAsync();
        var inFlight = 0;
        foreach (var service in status.GetProperty("services").EnumerateArray())
        {
            if (service.GetProperty("name").GetString() != "slow")
            {
                continue;
            }

            foreach (var region in service.GetProperty("regions").EnumerateArray())
            {
                foreach (var destination in region.GetProperty("destinations").EnumerateArray())
                {
                    inFlight += destination.GetProperty("in_flight").GetInt32();
                }
            }
        }

        return inFlight;
    }
}

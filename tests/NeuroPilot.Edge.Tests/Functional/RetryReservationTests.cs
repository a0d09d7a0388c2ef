using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// The retry decision is made once (issue 10 item 4): when a retryable status arrives the edge reserves the next
/// destination and a budget slot together, or relays the upstream's response whole. Real edge binary.
/// </summary>
public sealed class RetryReservationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RetryBudgetSpent_ManyRequestsGet503AtOnce_EachGetsARetryOrTheUpstreamResponseWhole()
    {
        // us-east answers every request 503 after 300 ms, so 30 concurrent requests all start while no retry is in
        // flight and all get their 503 together; the budget allows one retry (eu-west holds it 500 ms).
        using var usEast = ScriptedUpstream.Start(_ => ScriptedAnswer.Raw(
            "HTTP/1.1 503 Service Unavailable\r\nX-Upstream-Region: us-east\r\nRetry-After: 7\r\nContent-Length: 12\r\n\r\nus-east busy",
            delay: TimeSpan.FromMilliseconds(300)));
        using var euWest = await UpstreamProcess.StartAsync("eu-west");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        using var edge = await EdgeProcess.StartAsync($$"""
            {
              "Edge":  { "Listen": ["http://127.0.0.1:{{proxyPort}}"], "Admin": { "Listen": "http://127.0.0.1:{{adminPort}}" } },
              "Services": {
                "api": {
                  "Regions": [
                    { "Name": "us-east", "Destinations": ["{{usEast.Destination}}"] },
                    { "Name": "eu-west", "Destinations": ["{{euWest.Destination}}"] }
                  ],
                  "HealthCheck": { "Path": "/healthz", "Interval": "00:00:10", "Timeout": "00:00:02" },
                  "Retry": { "BudgetPercent": 0, "MinRetryConcurrency": 1 },
                  "CircuitBreaker": { "ConsecutiveFailures": 10000, "MinimumThroughput": 1000000, "StallTimeout": "0s" }
                }
              }
            }
            """);
        using var client = edge.CreateClient();

        var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(async _ =>
        {
            using var response = await client.GetAsync("/delay?ms=500");
            var region = response.Headers.TryGetValues("X-Upstream-Region", out var values) ? values.First() : null;
            var retryAfter = response.Headers.RetryAfter?.Delta?.TotalSeconds;
            return (Status: (int)response.StatusCode, Region: region, RetryAfter: retryAfter, Body: await response.Content.ReadAsStringAsync());
        }));

        foreach (var group in answers.GroupBy(a => $"{a.Status} from {a.Region ?? "(no upstream header)"}, Retry-After {a.RetryAfter?.ToString() ?? "-"}: \"{a.Body.Trim()}\""))
        {
            output.WriteLine($"{group.Count()} x {group.Key}");
        }

        Assert.All(answers, a => Assert.True(
            (a.Status == 200 && a.Region == "eu-west") || (a.Status == 503 && a.Region == "us-east" && a.RetryAfter == 7 && a.Body == "us-east busy"),
            $"got {a.Status} from {a.Region ?? "nobody"}: \"{a.Body}\""));
        Assert.Contains(answers, a => a.Status == 200);
        Assert.Contains(answers, a => a.Status == 503);
    }
}

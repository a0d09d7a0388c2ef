using System.Net;
using System.Text.RegularExpressions;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Dns;
using NeuroPilot.Edge.Tests.TestKit.Tls;

namespace NeuroPilot.Edge.Deploy.Tests.TestKit;

/// <summary>
/// One real edge with two upstream regions, scraped every second by a real Prometheus that loads the committed alert
/// rules, driven through a scenario that makes every series of the dashboard and the rules exist: healthy and slow
/// traffic, an unrouted request, then us-east faulted (503) so that retries happen, breakers open, the retry budget of
/// the "tight" service runs out and both services fail over to eu-west; then a SIGHUP reload. Services are told apart
/// by Host (api.test, tight.test) so that paths reach the upstream unchanged. The DNS pusher publishes api.test's
/// record to the Cloudflare API emulator, so its failover is pushed too. An https listener serves a certificate with
/// 10 days left, and a renewal it must refuse arrives (the TLS alerts' data).
/// </summary>
public sealed class LiveEdgeFixture : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly List<IDisposable> _owned = [];
    private CloudflareEmulator? _cloudflare;

    public HttpClient Client { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public EdgeProcess Edge { get; private set; } = null!;

    public PrometheusServer Prometheus { get; private set; } = null!;

    /// <summary>The /metrics text read once the scenario has run.</summary>
    public string MetricsText { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var upstreams = await Task.WhenAll(UpstreamProcess.StartAsync("us-east"), UpstreamProcess.StartAsync("eu-west"));
        _owned.AddRange(upstreams);
        var (usEast, euWest) = (upstreams[0], upstreams[1]);

        // An https listener whose certificate has 10 days left (the expiry warning's data), in a folder of its own.
        var certificates = new TestCertificates();
        _owned.Add(certificates);
        var expiring = certificates.IssueWithValidity("live-api", "api.test", DateTimeOffset.UtcNow.AddDays(-80), DateTimeOffset.UtcNow.AddDays(10));
        var live = new CertificateFiles(Path.Combine(Directory.CreateDirectory(certificates.PathOf("live")).FullName, "tls.crt"), certificates.PathOf("live/tls.key"));
        File.Copy(expiring.Certificate, live.Certificate);
        File.Copy(expiring.Key, live.Key);

        _cloudflare = await CloudflareEmulator.StartAsync(new CloudflareEmulatorOptions { ZoneName = "test" });
        Edge = EdgeProcess.Start(
            Config(FreePorts.Next(), FreePorts.Next(), FreePorts.Next(), live, usEast.Url, euWest.Url, _cloudflare),
            new Dictionary<string, string?> { ["CLOUDFLARE_API_TOKEN"] = _cloudflare.Token });
        _owned.Add(Edge);
        await Edge.WaitUntilReadyAsync(Deadline);

        Prometheus = await PrometheusServer.StartAsync(PrometheusConfig(Edge.AdminUrl.Port));
        _owned.Add(Prometheus);
        await Eventually.WaitUntilAsync(
            async () => (await Prometheus.QueryAsync("up{job=\"neuropilot-edge\"} == 1")).Count == 1,
            Deadline,
            () => $"prometheus has scraped the edge once (prometheus output: {Prometheus.Output})");

        // Prometheus computes rates from the first sample it sees of a series: a series born in a burst between two
        // scrapes shows no increase. So each series the queries measure is first created, and scraped, before the
        // traffic that counts.
        await GetAsync("api.test", "/items", HttpStatusCode.OK);
        await GetAsync("tight.test", "/items", HttpStatusCode.OK);
        await WaitForScrapeAsync("neuropilot_edge_requests_total{region=\"us-east\", code=\"200\"}", 2);

        // Healthy traffic, a few slow requests (p99 above the 0.5 s budget) and one request no service matches.
        for (var i = 0; i < 10; i++)
        {
            await GetAsync("api.test", "/items", HttpStatusCode.OK);
            await GetAsync("tight.test", "/items", HttpStatusCode.OK);
        }

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => GetAsync("api.test", "/delay?ms=700", HttpStatusCode.OK)));
        await GetAsync("nobody.test", "/items", HttpStatusCode.NotFound);

        // Fault the primary. "api" retries its first failures on eu-west (clients see 200) until its breaker opens
        // and its fast probes take us-east out.
        await usEast.SetFaultAsync("503");
        for (var i = 0; i < 10; i++)
        {
            await GetAsync("api.test", "/items", HttpStatusCode.OK);
        }

        // "tight" probes slowly, so its breaker decides, and allows one retry in flight: of slow requests failing on
        // us-east together, one is retried on eu-west (where it takes 0.5 s), the others find the budget spent and
        // their clients see 503. A pair first (to create the 503 series), then a burst that trips the breaker.
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => GetAsync("tight.test", "/delay?ms=500", expected: null)));
        await WaitForScrapeAsync("neuropilot_edge_requests_total{service=\"tight\", code=\"503\"}", 1);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => GetAsync("tight.test", "/delay?ms=500", expected: null)));
        for (var i = 0; i < 10; i++)
        {
            await GetAsync("tight.test", "/items", expected: null);
        }

        Edge.SendSignal(UnixSignal.SIGHUP);

        // A renewal the edge must refuse (the key of another certificate): the reload failure the critical TLS alert reads.
        FileSwap.WriteAtomically(live.Key, File.ReadAllBytes(certificates.Issue("live-other", ["other.test"]).Key));

        await Eventually.WaitUntilAsync(
            async () =>
            {
                var text = await Client.GetStringAsync(new Uri(Edge.AdminUrl, "/metrics"));
                return text.Contains("neuropilot_edge_failovers_total{service=\"api\",from=\"us-east\",to=\"eu-west\"}", StringComparison.Ordinal) &&
                    text.Contains("neuropilot_edge_failovers_total{service=\"tight\",from=\"us-east\",to=\"eu-west\"}", StringComparison.Ordinal) &&
                    Regex.IsMatch(text, @"^neuropilot_edge_retry_budget_exhausted_total\{service=""tight""\} [1-9]", RegexOptions.Multiline) &&
                    text.Contains("neuropilot_edge_config_reloads_total{result=", StringComparison.Ordinal) &&
                    text.Contains("neuropilot_edge_tls_certificate_reload_failures_total{name=\"api.test\"} 1", StringComparison.Ordinal) &&
                    Regex.IsMatch(text, @"^neuropilot_edge_dns_pushes_total\{provider=""cloudflare"",result=""success""\} [2-9]", RegexOptions.Multiline);
            },
            Deadline,
            () => $"the edge reports both failovers, the exhausted budget, the reload, the refused certificate and two DNS pushes (publish, failover); edge output:\n{Edge.Output.Combined}");

        // Rate windows need a few samples after the events.
        await Eventually.WaitUntilAsync(
            async () => (await Prometheus.QueryAsync("count_over_time(neuropilot_edge_failovers_total{service=\"tight\"}[1m]) >= 3")).Count == 1 &&
                (await Prometheus.QueryAsync("count_over_time(neuropilot_edge_config_reloads_total[1m]) >= 3")).Count >= 1 &&
                (await Prometheus.QueryAsync("increase(neuropilot_edge_tls_certificate_reload_failures_total[1m]) > 0")).Count == 1,
            Deadline,
            "prometheus holds 3 samples of the failover and reload series, and sees the refused certificate");

        MetricsText = await Client.GetStringAsync(new Uri(Edge.AdminUrl, "/metrics"));
    }

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }

        Client.Dispose();
        if (_cloudflare is not null)
        {
            await _cloudflare.DisposeAsync();
        }
    }

    private Task WaitForScrapeAsync(string selector, int series) =>
        Eventually.WaitUntilAsync(
            async () => (await Prometheus.QueryAsync(selector)).Count == series,
            Deadline,
            () => $"prometheus has scraped {series} series of {selector}; edge output:\n{Edge.Output.Combined}");

    private async Task GetAsync(string host, string path, HttpStatusCode? expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Edge.ProxyUrl, path));
        request.Headers.Host = host;
        using var response = await Client.SendAsync(request);
        if (expected is { } status)
        {
            Assert.True(response.StatusCode == status, $"GET {host}{path}: {(int)response.StatusCode}, expected {(int)status}; edge output:\n{Edge.Output.Combined}");
        }
    }

    private static string Config(int proxy, int https, int admin, CertificateFiles served, Uri usEast, Uri euWest, CloudflareEmulator cloudflare)
    {
        var regions = $$"""[ { "Name": "us-east", "Destinations": ["{{usEast}}"] }, { "Name": "eu-west", "Destinations": ["{{euWest}}"] } ]""";

        // Breakers that stay open for the whole test once tripped.
        return $$"""
            {
              "Edge": { "Listen": ["http://127.0.0.1:{{proxy}}", "https://127.0.0.1:{{https}}"], "Admin": { "Listen": "http://127.0.0.1:{{admin}}" },
                        "Tls": { "Certificates": [ { "CertificateFile": "{{served.Certificate}}", "KeyFile": "{{served.Key}}" } ] } },
              "Services": {
                "api": {
                  "Hosts": ["api.test"], "Regions": {{regions}},
                  "HealthCheck": { "Path": "/healthz", "Interval": "00:00:01", "FastInterval": "00:00:00.250", "Timeout": "00:00:00.500", "UnhealthyThreshold": 2 },
                  "CircuitBreaker": { "ConsecutiveFailures": 3, "BreakDuration": "00:05:00" }
                },
                "tight": {
                  "Hosts": ["tight.test"], "Regions": {{regions}},
                  "HealthCheck": { "Path": "/healthz", "Interval": "00:00:10", "FastInterval": "00:00:03", "Timeout": "00:00:01", "UnhealthyThreshold": 5 },
                  "CircuitBreaker": { "ConsecutiveFailures": 6, "BreakDuration": "00:05:00" },
                  "Retry": { "BudgetPercent": 0, "MinRetryConcurrency": 1 }
                }
              },
              "Dns": {
                "Provider": "cloudflare", "OwnerId": "deploy-tests", "Interval": "2s", "DownHoldTime": "0s", "UpHoldTime": "1m",
                "Records": [ { "Name": "api.test", "Service": "api", "Regions": { "us-east": ["198.51.100.10"], "eu-west": ["198.51.100.20"] } } ],
                "Cloudflare": { "ZoneId": "{{cloudflare.ZoneId}}", "ApiBaseUrl": "{{cloudflare.BaseUrl}}" }
              }
            }
            """;
    }

    /// <summary>The committed deploy/prometheus/prometheus.yml, pointed at this edge and scraping every second.</summary>
    private static string PrometheusConfig(int adminPort)
    {
        var text = File.ReadAllText(RepoPaths.Deploy("prometheus", "prometheus.yml"));
        var replaced = text
            .Replace("\"127.0.0.1:9901\"", $"\"127.0.0.1:{adminPort}\"", StringComparison.Ordinal)
            .Replace("scrape_interval: 15s", "scrape_interval: 1s", StringComparison.Ordinal)
            .Replace("scrape_interval: 5s", "scrape_interval: 1s", StringComparison.Ordinal)
            .Replace("evaluation_interval: 15s", "evaluation_interval: 1s", StringComparison.Ordinal)
            .Replace("scrape_timeout: 4s", "scrape_timeout: 1s", StringComparison.Ordinal)
            .Replace("  - neuropilot-edge.rules.yml", "  - " + RepoPaths.Deploy("prometheus", "neuropilot-edge.rules.yml"), StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{adminPort}", replaced, StringComparison.Ordinal);
        Assert.DoesNotContain("scrape_interval: 5s", replaced, StringComparison.Ordinal);
        Assert.Contains(RepoPaths.Deploy("prometheus", "neuropilot-edge.rules.yml"), replaced, StringComparison.Ordinal);
        return replaced;
    }
}

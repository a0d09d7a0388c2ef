using System.Security.Cryptography;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using NeuroPilot.Edge.Admin;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Hosting;

namespace NeuroPilot.Edge.Demo;

/// <summary>
/// <c>neuropilot-edge demo</c>: the edge with the README's minimal config plus three built-in upstream regions on
/// loopback, and keys (or curl commands) to break and mend the primary region and watch traffic move.
/// </summary>
public static class DemoCommand
{
    public const string Config = """
        {
          // The demo's config: the README's minimal file. Regions in priority order: us-east is the primary.
          "Edge":  { "Listen": ["http://127.0.0.1:8080"], "Admin": { "Listen": "http://127.0.0.1:9901" } },
          "Services": {
            "api": {
              "Regions": [
                { "Name": "us-east",  "Destinations": ["http://127.0.0.1:9001"] },
                { "Name": "eu-west",  "Destinations": ["http://127.0.0.1:9002"] },
                { "Name": "ap-south", "Destinations": ["http://127.0.0.1:9003"] }
              ],
              "HealthCheck": { "Path": "/healthz", "Interval": "00:00:10", "Timeout": "00:00:02" }
            }
          }
        }
        """;

    private static readonly (string Region, Uri Url)[] Upstreams =
    [
        ("us-east", new Uri("http://127.0.0.1:9001")),
        ("eu-west", new Uri("http://127.0.0.1:9002")),
        ("ap-south", new Uri("http://127.0.0.1:9003")),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0)
        {
            await Console.Error.WriteLineAsync("neuropilot-edge: demo takes no options");
            return 2;
        }

        var token = Environment.GetEnvironmentVariable(AdminToken.EnvironmentVariable);
        if (string.IsNullOrEmpty(token))
        {
            token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            Environment.SetEnvironmentVariable(AdminToken.EnvironmentVariable, token);
        }

        var config = ConfigLoader.Load(Config, EdgeConfigChecks.All);
        EdgeHost.PrepareProcess(config.Edge);
        var upstreams = new List<(DemoUpstream Upstream, WebApplication App)>();
        try
        {
            foreach (var (region, url) in Upstreams)
            {
                var upstream = new DemoUpstream(region);
                var upstreamApp = upstream.Build(url, HttpProtocols.Http1AndHttp2);
                await upstreamApp.StartAsync();
                upstreams.Add((upstream, upstreamApp));
            }
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"neuropilot-edge demo: cannot start the demo upstreams on ports 9001-9003: {e.Message}");
            return 1;
        }

        var app = EdgeHost.Build(config, Config, configPath: null);
        PrintGuide(token);
        using var keys = new CancellationTokenSource();
        var keyLoop = Console.IsInputRedirected ? Task.CompletedTask : Task.Run(() => ReadKeys(upstreams[0].Upstream, app.Lifetime, keys.Token));

        var exitCode = await EdgeHost.RunAsync(app, config);
        await keys.CancelAsync();
        foreach (var (_, upstreamApp) in upstreams)
        {
            await upstreamApp.StopAsync();
            await upstreamApp.DisposeAsync();
        }

        return exitCode;
    }

    private static void PrintGuide(string token) => Console.WriteLine($"""

        NeuroPilot.Edge demo: edge on http://127.0.0.1:8080, admin on http://127.0.0.1:9901,
        regions us-east (primary, :9001), eu-west (:9002), ap-south (:9003).

          curl -s http://127.0.0.1:8080/hello              answered by the serving region
          curl -s http://127.0.0.1:9901/admin/status       regions, destinations, serving region
          curl -s http://127.0.0.1:9901/metrics | grep neuropilot_edge_requests_total

        Take the primary out by hand and watch traffic move to eu-west:
          curl -s -X POST -H 'Authorization: Bearer {token}' http://127.0.0.1:9901/admin/services/api/regions/us-east/drain
          curl -s -X POST -H 'Authorization: Bearer {token}' http://127.0.0.1:9901/admin/services/api/regions/us-east/undrain
        Make the primary's upstream fail (mode 503, hang, reset; none mends it):
          curl -s -X POST 'http://127.0.0.1:9001/_upstream/fault?mode=503'
        Keys: d drain/undrain us-east, f toggle us-east failing with 503, q quit (or Ctrl+C).

        """);

    private static void ReadKeys(DemoUpstream primary, IHostApplicationLifetime lifetime, CancellationToken cancellation)
    {
        var drained = false;
        using var client = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:9901") };
        client.DefaultRequestHeaders.Authorization = new("Bearer", Environment.GetEnvironmentVariable(AdminToken.EnvironmentVariable));
        while (!cancellation.IsCancellationRequested)
        {
            var key = Console.ReadKey(intercept: true).KeyChar;
            switch (key)
            {
                case 'd':
                    drained = !drained;
                    var action = drained ? "drain" : "undrain";
                    var response = client.PostAsync($"/admin/services/api/regions/us-east/{action}", null, cancellation).GetAwaiter().GetResult();
                    Console.WriteLine($"[demo] {action} us-east: {(int)response.StatusCode}");
                    break;
                case 'f':
                    primary.Fault = primary.Fault == "none" ? "503" : "none";
                    Console.WriteLine($"[demo] us-east upstream fault: {primary.Fault}");
                    break;
                case 'q':
                    Console.WriteLine("[demo] stopping");
                    lifetime.StopApplication();
                    return;
            }
        }
    }
}

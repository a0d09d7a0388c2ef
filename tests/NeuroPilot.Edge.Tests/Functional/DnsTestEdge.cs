using NeuroPilot.Edge.Tests.TestKit;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>The edge the DNS functional tests run: one service over the given upstreams and a <c>Dns</c> section.</summary>
internal static class DnsTestEdge
{
    /// <summary>
    /// Starts the edge with fast probes (1 s, fall after 2, rise after 2), so that a killed region is seen without
    /// traffic too and the first DNS round comes within a few seconds. <paramref name="dns"/> is the config's
    /// <c>"Dns": {...}</c> member.
    /// </summary>
    public static Task<EdgeProcess> StartAsync(UpstreamGroup upstreams, string dns, IReadOnlyDictionary<string, string?> environment)
    {
        var ports = FreePorts.Take(2);
        var regions = string.Join(",\n", upstreams.All.Select(u => $$"""{ "Name": "{{u.Region}}", "Destinations": ["{{u.Destination}}"] }"""));
        var config = $$"""
            {
              "Edge": { "Listen": ["http://127.0.0.1:{{ports[0]}}"], "Admin": { "Listen": "http://127.0.0.1:{{ports[1]}}" } },
              "Services": {
                "api": {
                  "Regions": [ {{regions}} ],
                  "HealthCheck": { "Path": "/healthz", "Interval": "1s", "Timeout": "500ms", "UnhealthyThreshold": 2, "HealthyThreshold": 2 }
                }
              },
              {{dns}}
            }
            """;
        return EdgeProcess.StartAsync(config, environment);
    }
}

using System.Text;

namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>
/// Config files for tests: the README's minimal shape (one service <c>api</c>, regions in priority order) on free
/// ports, with room for extra keys.
/// </summary>
public static class EdgeConfigText
{
    /// <summary>
    /// the README's minimal config with <paramref name="regions"/> in that priority order. <paramref name="edgeExtras"/>
    /// and <paramref name="serviceExtras"/> are JSON members appended to the <c>Edge</c> and <c>api</c> objects
    /// (<c>"DrainTimeout": "5s"</c>).
    /// </summary>
    public static string SingleService(
        int proxyPort,
        int adminPort,
        IEnumerable<UpstreamProcess> regions,
        string edgeExtras = "",
        string serviceExtras = "")
    {
        var regionLines = new StringBuilder();
        foreach (var upstream in regions)
        {
            if (regionLines.Length > 0)
            {
                regionLines.Append(",\n");
            }

            regionLines.Append($$"""        { "Name": "{{upstream.Region}}", "Destinations": ["{{upstream.Destination}}"] }""");
        }

        return $$"""
            {
              "Edge":  { "Listen": ["http://127.0.0.1:{{proxyPort}}"], "Admin": { "Listen": "http://127.0.0.1:{{adminPort}}" }{{Extra(edgeExtras)}} },
              "Services": {
                "api": {
                  "Regions": [
            {{regionLines}}
                  ],
                  "HealthCheck": { "Path": "/healthz", "Interval": "00:00:10", "Timeout": "00:00:02" }{{Extra(serviceExtras)}}
                }
              }
            }
            """;
    }

    /// <summary>
    /// As <see cref="SingleService"/>, with a plain listener on <paramref name="proxyPort"/> (first, so the kit's
    /// <c>ProxyUrl</c> is plain http) and an https listener on <paramref name="httpsPort"/> serving
    /// <paramref name="certificates"/>; <paramref name="tlsExtras"/> are members appended to <c>Edge.Tls</c>
    /// (<c>"ClientCertificates": {...}</c>).
    /// </summary>
    public static string WithHttps(
        int proxyPort,
        int httpsPort,
        int adminPort,
        IEnumerable<UpstreamProcess> regions,
        IEnumerable<Tls.CertificateFiles> certificates,
        string tlsExtras = "",
        string serviceExtras = "",
        string healthCheck = """{ "Path": "/healthz", "Interval": "00:00:10", "Timeout": "00:00:02" }""")
    {
        var regionLines = string.Join(",\n", regions.Select(u => $$"""        { "Name": "{{u.Region}}", "Destinations": ["{{u.Destination}}"] }"""));
        var certificateLines = string.Join(",\n", certificates.Select(c => $$"""        { "CertificateFile": "{{c.Certificate}}", "KeyFile": "{{c.Key}}" }"""));
        return $$"""
            {
              "Edge":  {
                "Listen": ["http://127.0.0.1:{{proxyPort}}", "https://127.0.0.1:{{httpsPort}}"],
                "Admin": { "Listen": "http://127.0.0.1:{{adminPort}}" },
                "Tls": {
                  "Certificates": [
            {{certificateLines}}
                  ]{{Extra(tlsExtras)}}
                }
              },
              "Services": {
                "api": {
                  "Regions": [
            {{regionLines}}
                  ],
                  "HealthCheck": {{healthCheck}}{{Extra(serviceExtras)}}
                }
              }
            }
            """;
    }

    private static string Extra(string members) => members.Length == 0 ? "" : $", {members}";
}

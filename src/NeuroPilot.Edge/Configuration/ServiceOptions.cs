namespace NeuroPilot.Edge.Configuration;

/// <summary>One upstream service: its regions in priority order and how requests are matched and timed.</summary>
public sealed class ServiceOptions
{
    public required string Name { get; init; }

    /// <summary>Host names this service answers (exact, or <c>*.example.com</c>); empty matches any host.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    /// <summary>Path prefix this service answers (<c>/api</c>); null matches any path.</summary>
    public string? PathPrefix { get; init; }

    /// <summary>Regions in priority order: the first is the primary.</summary>
    public required IReadOnlyList<RegionOptions> Regions { get; init; }

    /// <summary>Time allowed to open a TCP (and TLS) connection to a destination.</summary>
    public TimeSpan ConnectTimeout { get; init; } = ServiceDefaults.ConnectTimeout;

    /// <summary>Activity timeout: the longest the upstream may stay silent (no headers, no body bytes).</summary>
    public TimeSpan RequestTimeout { get; init; } = ServiceDefaults.RequestTimeout;

    /// <summary>Open connections to one destination at most; further requests wait for a free one.</summary>
    public int MaxConnectionsPerDestination { get; init; } = ServiceDefaults.MaxConnectionsPerDestination;

    /// <summary>HTTP version towards destinations: <c>auto</c>, <c>http11</c> or <c>http2</c> (h2c on http://).</summary>
    public UpstreamHttpVersion UpstreamHttpVersion { get; init; } = UpstreamHttpVersion.Auto;

    /// <summary>Verification of <c>https://</c> destinations and the client certificate shown to them; null: the system's CAs.</summary>
    public UpstreamTlsOptions? UpstreamTls { get; init; }

    /// <summary>Send the client's Host header upstream instead of the destination's host.</summary>
    public bool PreserveHost { get; init; }

    public HealthCheckOptions HealthCheck { get; init; } = new();

    public CircuitBreakerOptions CircuitBreaker { get; init; } = new();

    public RetryOptions Retry { get; init; } = new();

    /// <summary>Body size, in-flight and per-client rate limits; none by default.</summary>
    public LimitsOptions Limits { get; init; } = new();

    /// <summary>JWT validation at the edge; null (no <c>Jwt</c> section) when the service takes requests without tokens.</summary>
    public JwtOptions? Jwt { get; init; }

    /// <summary>A region is usable while at least this many of its destinations are available.</summary>
    public int MinHealthyDestinations { get; init; } = 1;

    /// <summary><c>panic</c> (default: try every region anyway) or <c>failclosed</c> (503) when no region is usable.</summary>
    public NoUsableRegionPolicy NoUsableRegion { get; init; } = NoUsableRegionPolicy.Panic;
}

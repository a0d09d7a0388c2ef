namespace NeuroPilot.Edge.Configuration;

public static class ServiceDefaults
{
    /// <summary>Short on purpose: a refused or black-holed region must not hold a request for long.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Open connections to one destination at most (Envoy's default connection limit is also 1,024): beyond it requests
    /// wait for a free connection instead of opening thousands of sockets on a flood.
    /// </summary>
    public const int MaxConnectionsPerDestination = 1024;
}

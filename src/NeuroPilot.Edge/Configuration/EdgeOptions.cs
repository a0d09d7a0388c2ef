namespace NeuroPilot.Edge.Configuration;

/// <summary>The <c>Edge</c> section: listeners, admin, logging, shutdown.</summary>
public sealed class EdgeOptions
{
    /// <summary>Proxy listener URLs (<c>http://IP:PORT</c>, <c>https://IP:PORT</c>). Changing them needs a restart.</summary>
    public IReadOnlyList<Uri> Listen { get; init; } = [EdgeDefaults.Listen];

    public AdminOptions Admin { get; init; } = new();

    /// <summary>Certificates and TLS settings of the <c>https://</c> listeners.</summary>
    public TlsOptions Tls { get; init; } = new();

    /// <summary>How long SIGTERM waits for in-flight requests before closing connections.</summary>
    public TimeSpan DrainTimeout { get; init; } = EdgeDefaults.DrainTimeout;

    public LoggingOptions Logging { get; init; } = new();

    public AccessLogOptions AccessLog { get; init; } = new();

    /// <summary>Connection and header limits of the proxy listeners.</summary>
    public ListenerLimitsOptions Limits { get; init; } = new();

    /// <summary>
    /// Peers whose forwarding headers are believed (CIDRs; a bare address is a /32 or /128). Empty: the TCP peer is
    /// the client and whatever a client says about itself is dropped.
    /// </summary>
    public IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; init; } = [];

    /// <summary>The header a trusted proxy names the client in.</summary>
    public ClientAddressHeader ClientAddressHeader { get; init; } = ClientAddressHeader.XForwardedFor;

    /// <summary>The forwarding engine (see <see cref="ForwardingEngine"/>); changeable by a reload.</summary>
    public ForwardingEngine Engine { get; init; } = EdgeDefaults.Engine;

    /// <summary>Where request work runs (see <see cref="IoScheduling"/>); read at start.</summary>
    public IoScheduling Scheduling { get; init; } = EdgeDefaults.Scheduling;

    /// <summary>
    /// How many socket event threads .NET runs (<c>DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT</c>); null: .NET's choice,
    /// one per core with <see cref="IoScheduling.Inline"/>. Read at start.
    /// </summary>
    public int? EventThreads { get; init; }
}

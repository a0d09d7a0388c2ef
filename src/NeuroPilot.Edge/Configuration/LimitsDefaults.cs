namespace NeuroPilot.Edge.Configuration;

/// <summary>Defaults of <c>Services.NAME.Limits</c> and <c>Edge.Limits</c>.</summary>
public static class LimitsDefaults
{
    public static readonly TimeSpan QueueTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Open client connections to the proxy listeners at most (the admin listener is not counted).</summary>
    public const int MaxConnections = 10_000;

    /// <summary>Kestrel's own default: request line and headers together.</summary>
    public const int MaxRequestHeadersTotalSize = 32 * 1024;

    public const int MaxRequestHeaderCount = 100;

    public const int MaxRequestLineSize = 8 * 1024;

    /// <summary>nginx's <c>keepalive_timeout</c> default.</summary>
    public static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(75);

    /// <summary>The time a client has to send its request headers (slowloris): HAProxy's common <c>timeout http-request 10s</c>.</summary>
    public static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(10);
}

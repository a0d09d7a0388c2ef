namespace NeuroPilot.Edge.Configuration;

/// <summary>
/// Limits of the proxy listeners (<c>Edge.Limits</c>): Kestrel's, with defaults chosen for an internet-facing edge.
/// Changing them needs a restart.
/// </summary>
public sealed class ListenerLimitsOptions
{
    /// <summary>Open client connections to the proxy listeners at most; further connections are closed at once.</summary>
    public int MaxConnections { get; init; } = LimitsDefaults.MaxConnections;

    public int MaxRequestHeadersTotalSize { get; init; } = LimitsDefaults.MaxRequestHeadersTotalSize;

    public int MaxRequestHeaderCount { get; init; } = LimitsDefaults.MaxRequestHeaderCount;

    public int MaxRequestLineSize { get; init; } = LimitsDefaults.MaxRequestLineSize;

    public TimeSpan KeepAliveTimeout { get; init; } = LimitsDefaults.KeepAliveTimeout;

    public TimeSpan RequestHeadersTimeout { get; init; } = LimitsDefaults.RequestHeadersTimeout;
}

namespace NeuroPilot.Edge.Configuration;

/// <summary>The <c>Edge</c> section: listeners, admin, logging, shutdown.</summary>
public sealed class EdgeOptions
{
    /// <summary>Proxy listener URLs (<c>http://IP:PORT</c>). Changing them needs a restart.</summary>
    public IReadOnlyList<Uri> Listen { get; init; } = [EdgeDefaults.Listen];

    public AdminOptions Admin { get; init; } = new();

    /// <summary>How long SIGTERM waits for in-flight requests before closing connections.</summary>
    public TimeSpan DrainTimeout { get; init; } = EdgeDefaults.DrainTimeout;

    public LoggingOptions Logging { get; init; } = new();

    public AccessLogOptions AccessLog { get; init; } = new();
}

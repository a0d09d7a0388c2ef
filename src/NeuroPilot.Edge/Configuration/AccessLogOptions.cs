namespace NeuroPilot.Edge.Configuration;

/// <summary>Optional access log: one JSON line per proxied request.</summary>
public sealed class AccessLogOptions
{
    public bool Enabled { get; init; }

    /// <summary>A file path, or <c>-</c> for standard output.</summary>
    public string Path { get; init; } = "-";
}

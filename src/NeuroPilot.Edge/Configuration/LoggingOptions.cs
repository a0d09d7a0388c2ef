namespace NeuroPilot.Edge.Configuration;

/// <summary>Event logs (state changes, reloads, errors); never one line per request.</summary>
public sealed class LoggingOptions
{
    /// <summary><c>text</c> (one line per event) or <c>json</c> (JSON lines).</summary>
    public LogFormat Format { get; init; } = LogFormat.Text;

    public LogLevel Level { get; init; } = LogLevel.Information;
}

using System.Globalization;
using System.Text.Json;

namespace NeuroPilot.Edge.Telemetry;

/// <summary>One access log line.</summary>
public readonly record struct AccessLogEntry(
    DateTimeOffset Time,
    string Method,
    string Host,
    string Path,
    int Status,
    double DurationMs,
    string Service,
    string? Region,
    string? Destination,
    string? Client,
    string? Error,
    string? TraceParent)
{
    /// <summary>
    /// What the entry holds while it waits in the queue: its strings (two bytes a character; a path or a
    /// traceparent can be kilobytes) and the entry itself. Bounds the queue in bytes.
    /// </summary>
    internal long QueuedBytes =>
        128 + (2L * (Method.Length + Host.Length + Path.Length + Service.Length + (Region?.Length ?? 0) + (Destination?.Length ?? 0) +
                     (Client?.Length ?? 0) + (Error?.Length ?? 0) + (TraceParent?.Length ?? 0)));

    public void WriteTo(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("time", Time.ToString("O", CultureInfo.InvariantCulture));
        json.WriteString("method", Method);
        json.WriteString("host", Host);
        json.WriteString("path", Path);
        json.WriteNumber("status", Status);
        json.WriteNumber("duration_ms", Math.Round(DurationMs, 3));
        json.WriteString("service", Service);
        json.WriteString("region", Region);
        json.WriteString("destination", Destination);
        json.WriteString("client", Client);
        if (Error is not null)
        {
            json.WriteString("error", Error);
        }

        if (TraceParent is not null)
        {
            json.WriteString("traceparent", TraceParent);
        }

        json.WriteEndObject();
    }
}

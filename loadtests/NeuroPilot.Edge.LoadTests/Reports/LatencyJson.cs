using System.Text.Json;
using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Reports;

/// <summary>How every JSON report writes latency figures: milliseconds, null when there is no sample.</summary>
internal static class LatencyJson
{
    /// <summary>A latency summary object: <c>{count, p50, p75, p90, p95, p99, p999, p9999, max, mean}</c>.</summary>
    public static void WriteLatency(this Utf8JsonWriter json, string name, LatencySummary summary)
    {
        json.WriteStartObject(name);
        json.WriteNumber("count", summary.Count);
        json.WriteNullable("p50", summary.P50);
        json.WriteNullable("p75", summary.P75);
        json.WriteNullable("p90", summary.P90);
        json.WriteNullable("p95", summary.P95);
        json.WriteNullable("p99", summary.P99);
        json.WriteNullable("p999", summary.P999);
        json.WriteNullable("p9999", summary.P9999);
        json.WriteNullable("max", summary.Max);
        json.WriteNullable("mean", summary.Mean);
        json.WriteEndObject();
    }

    public static void WriteNullable(this Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}

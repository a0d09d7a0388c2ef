using System.Text.Json;
using NeuroPilot.Edge.LoadTests.Platform;

namespace NeuroPilot.Edge.LoadTests.Reports;

/// <summary>How the JSON reports write a target's CPU figures (null figures with a reason when they are n/a).</summary>
internal static class CpuJson
{
    /// <summary>
    /// <c>{"processes": [pid...], "found_by": "...", "cpu_s", "responses", "us_per_request", "requests_per_core_s",
    /// "coarse", "unavailable"}</c>; <paramref name="processes"/> is left out for a single round.
    /// </summary>
    public static void WriteCpu(this Utf8JsonWriter json, string name, TargetCpu? cpu, TargetProcesses? processes = null)
    {
        json.WriteStartObject(name);
        if (processes is not null)
        {
            json.WriteStartArray("processes");
            foreach (var pid in processes.ProcessIds)
            {
                json.WriteNumberValue(pid);
            }

            json.WriteEndArray();
            json.WriteString("found_by", processes.UnavailableReason is null ? processes.Source : null);
        }

        json.WriteNullable("cpu_s", cpu?.CpuSeconds is { } seconds ? Math.Round(seconds, 4) : null);
        json.WriteNumber("responses", cpu?.Responses ?? 0);
        json.WriteNullable("us_per_request", cpu?.MicrosecondsPerRequest is { } us ? Math.Round(us, 3) : null);
        json.WriteNullable("requests_per_core_s", cpu?.RequestsPerCoreSecond is { } perCore ? Math.Round(perCore, 1) : null);
        json.WriteBoolean("coarse", cpu?.Coarse ?? false);
        json.WriteString("unavailable", cpu is null ? "not measured" : cpu.Why);
        json.WriteEndObject();
    }
}

using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using NeuroPilot.Edge.CircuitBreaking;
using NeuroPilot.Edge.Hosting;

namespace NeuroPilot.Edge.Admin;

/// <summary>Writes <c>/admin/status</c>: per service the serving region, per region and destination their state.</summary>
public static class StatusWriter
{
    public static async Task WriteAsync(PipeWriter output, EdgeRuntime runtime)
    {
        Write(output, runtime);
        await output.FlushAsync();
    }

    public static void Write(IBufferWriter<byte> output, EdgeRuntime runtime)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        var table = runtime.Table;
        json.WriteStartObject();
        json.WriteString("version", EdgeVersion.Current);
        json.WriteString("config", runtime.ConfigPath ?? "(built in)");
        json.WriteStartArray("services");
        foreach (var service in table.Services)
        {
            var serving = service.SelectRegion();
            json.WriteStartObject();
            json.WriteString("name", service.Name);
            json.WriteString("serving_region", serving?.Name);
            json.WriteStartArray("hosts");
            foreach (var host in service.Options.Hosts)
            {
                json.WriteStringValue(host);
            }

            json.WriteEndArray();
            json.WriteString("path_prefix", service.Options.PathPrefix);
            json.WriteString("no_usable_region", service.Options.NoUsableRegion == Configuration.NoUsableRegionPolicy.Panic ? "panic" : "fail-closed");
            json.WriteNumber("retries_in_flight", service.Budget.ActiveRetries);
            json.WriteStartArray("regions");
            foreach (var region in service.Regions)
            {
                json.WriteStartObject();
                json.WriteString("name", region.Name);
                json.WriteNumber("priority", region.Priority);
                json.WriteBoolean("usable", region.IsUsable);
                json.WriteBoolean("drained", region.Drained);
                json.WriteBoolean("serving", ReferenceEquals(region, serving));
                json.WriteStartArray("destinations");
                foreach (var destination in region.Destinations)
                {
                    json.WriteStartObject();
                    json.WriteString("address", destination.Address);
                    json.WriteBoolean("available", destination.IsAvailable);
                    json.WriteString("health", destination.LastProbe is null ? "unknown" : destination.MarkedDown ? "down" : "up");
                    json.WriteString("breaker", destination.Breaker.State switch
                    {
                        CircuitState.Closed => "closed",
                        CircuitState.HalfOpen => "half-open",
                        _ => "open",
                    });
                    json.WriteNumber("in_flight", destination.InFlight);
                    if (destination.LastProbe is { } probe)
                    {
                        json.WriteStartObject("last_probe");
                        json.WriteBoolean("ok", probe.Last.Healthy);
                        json.WriteString("result", probe.Last.Detail);
                        json.WriteNumber("latency_ms", Math.Round(probe.Last.Duration.TotalMilliseconds, 3));
                        json.WriteString("at", probe.At);
                        json.WriteNumber("consecutive_failures", probe.ConsecutiveFailures);
                        json.WriteNumber("consecutive_successes", probe.ConsecutiveSuccesses);
                        json.WriteEndObject();
                    }
                    else
                    {
                        json.WriteNull("last_probe");
                    }

                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}

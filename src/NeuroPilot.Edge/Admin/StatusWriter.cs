using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using NeuroPilot.Edge.CircuitBreaking;
using NeuroPilot.Edge.Dns;
using NeuroPilot.Edge.Hosting;

namespace NeuroPilot.Edge.Admin;

/// <summary>Writes <c>/admin/status</c>: per service the serving region, per region and destination their state.</summary>
public static class StatusWriter
{
    public static async Task WriteAsync(PipeWriter output, EdgeRuntime runtime, DnsStatus dns)
    {
        Write(output, runtime, dns);
        await output.FlushAsync();
    }

    public static void Write(IBufferWriter<byte> output, EdgeRuntime runtime, DnsStatus dns)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        var table = runtime.Table;
        json.WriteStartObject();
        json.WriteString("version", EdgeVersion.Current);
        json.WriteString("config", runtime.ConfigPath ?? "(built in)");
        json.WriteStartArray("services");
        foreach (var service in table.Services)
        {
            var health = service.Health;
            var serving = health.Serving;
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
            foreach (var regionHealth in health.Regions)
            {
                var region = regionHealth.Region;
                json.WriteStartObject();
                json.WriteString("name", region.Name);
                json.WriteNumber("priority", region.Priority);
                json.WriteBoolean("usable", regionHealth.Usable);
                json.WriteBoolean("drained", regionHealth.Drained);
                json.WriteString("reason", regionHealth.Reason);
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
        WriteDns(json, dns);
        json.WriteEndObject();
    }

    private static void WriteDns(Utf8JsonWriter json, DnsStatus dns)
    {
        json.WriteStartObject("dns");
        json.WriteString("state", dns.State.ToWireName());
        if (dns.Provider is null)
        {
            json.WriteEndObject();
            return;
        }

        json.WriteString("provider", dns.Provider);
        json.WriteString("owner_id", dns.OwnerId);
        json.WriteBoolean("dry_run", dns.DryRun);
        WriteTime(json, "last_attempt_at", dns.LastAttemptAt);
        json.WriteString("last_result", dns.LastResult?.ToWireName());
        json.WriteString("last_error", dns.LastError);
        WriteTime(json, "last_success_at", dns.LastSuccessAt);
        WriteTime(json, "last_change_at", dns.LastChangeAt);
        WriteTime(json, "next_attempt_not_before", dns.NextAttemptNotBefore);
        json.WriteBoolean("never_empty_blocked", dns.NeverEmptyBlocked.Count > 0);
        json.WriteStartArray("never_empty_records");
        foreach (var record in dns.NeverEmptyBlocked)
        {
            json.WriteStringValue(record);
        }

        json.WriteEndArray();
        json.WriteStartArray("regions");
        foreach (var region in dns.Regions)
        {
            json.WriteStartObject();
            json.WriteString("service", region.Service);
            json.WriteString("region", region.Region);
            WriteBool(json, "live", region.Live);
            WriteBool(json, "published", region.Published);
            WriteTime(json, "since", region.Since);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (dns.LastPlan is { } plan)
        {
            json.WriteStartObject("last_plan");
            json.WriteNumber("changes", plan.Changes.Count);
            json.WriteNumber("managed", plan.Managed);
            json.WriteString("over_change_cap", plan.OverChangeCap);
            json.WriteStartArray("records");
            foreach (var record in plan.Records)
            {
                json.WriteStartObject();
                json.WriteString("name", record.Name);
                json.WriteString("type", record.Type.ToString());
                json.WriteString("outcome", record.Outcome.ToString().ToLowerInvariant());
                json.WriteString("detail", record.Detail);
                WriteValues(json, "current", record.Current);
                WriteValues(json, "desired", record.Desired);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("last_plan");
        }

        json.WriteEndObject();
    }

    private static void WriteValues(Utf8JsonWriter json, string name, DnsRecordSet? set)
    {
        if (set is null)
        {
            json.WriteNull(name);
            return;
        }

        json.WriteStartArray(name);
        foreach (var value in set.Values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    private static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset? time)
    {
        if (time is { } value)
        {
            json.WriteString(name, value);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void WriteBool(Utf8JsonWriter json, string name, bool? value)
    {
        if (value is { } flag)
        {
            json.WriteBoolean(name, flag);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}

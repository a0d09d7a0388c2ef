using System.Buffers;
using System.Text.Json;
using NeuroPilot.Edge.Admin.Internal;
using NeuroPilot.Edge.Dns;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Admin;

/// <summary>
/// <c>GET /admin/status</c>: the edge's version and config file, per service the serving region and per region and
/// destination their state, and the DNS pusher. Serialised by source generation (<see cref="AdminJsonContext"/>) in
/// snake_case, indented, with nulls written: the shape users' scripts read, pinned by <c>StatusJsonTests</c>.
/// </summary>
public sealed record StatusJson(string Version, string Config, IReadOnlyList<ServiceStatusJson> Services, DnsStatusJson Dns)
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    /// <summary>The status now: the routing table's published health and the DNS pusher's last snapshot.</summary>
    public static StatusJson From(EdgeRuntime runtime, DnsStatus dns)
    {
        var table = runtime.Table;
        var services = new ServiceStatusJson[table.Services.Length];
        for (var i = 0; i < services.Length; i++)
        {
            services[i] = ServiceStatusJson.From(table.Services[i]);
        }

        return new StatusJson(EdgeVersion.Current, runtime.ConfigPath ?? "(built in)", services, DnsStatusJson.From(dns));
    }

    /// <summary>Writes the status as indented UTF-8 JSON.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, Indented);
        JsonSerializer.Serialize(writer, this, AdminJsonContext.Default.StatusJson);
    }
}

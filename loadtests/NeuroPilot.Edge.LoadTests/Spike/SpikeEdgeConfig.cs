using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NeuroPilot.Edge.LoadTests.Spike;

/// <summary>
/// The edge config of a spike drill: one service (<c>api</c>) with one region (<c>us-east</c>) of the drill's
/// upstreams, the limits from the options, then the <c>--config-extra</c> fragment merged over it (objects merge key
/// by key, case-insensitively as the edge reads keys; anything else replaces). With limits off every <c>Limits</c>
/// section is removed at the end, wherever it came from.
/// </summary>
internal static class SpikeEdgeConfig
{
    public const string Service = "api";
    public const string Region = "us-east";

    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    /// <summary>The config as JSON text.</summary>
    public static string Build(int edgePort, int adminPort, IReadOnlyList<int> upstreamPorts, SpikeLimits limits, JsonObject? extra)
    {
        var destinations = new JsonArray();
        foreach (var port in upstreamPorts)
        {
            destinations.Add($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        }

        var service = new JsonObject
        {
            ["Regions"] = new JsonArray(new JsonObject { ["Name"] = Region, ["Destinations"] = destinations }),
            ["HealthCheck"] = new JsonObject { ["Path"] = "/healthz", ["Interval"] = "10s", ["Timeout"] = "2s" },
        };
        var edge = new JsonObject
        {
            ["Listen"] = new JsonArray($"http://127.0.0.1:{edgePort.ToString(CultureInfo.InvariantCulture)}"),
            ["Admin"] = new JsonObject { ["Listen"] = $"http://127.0.0.1:{adminPort.ToString(CultureInfo.InvariantCulture)}" },
            ["DrainTimeout"] = "2s",
        };
        var config = new JsonObject
        {
            ["Edge"] = edge,
            ["Services"] = new JsonObject { [Service] = service },
        };

        if (limits.Enabled)
        {
            if (ServiceLimits(limits) is { } serviceLimits)
            {
                service["Limits"] = serviceLimits;
            }

            if (limits.MaxConnections is { } maxConnections)
            {
                edge["Limits"] = new JsonObject { ["MaxConnections"] = maxConnections };
            }
        }

        if (extra is not null)
        {
            Merge(config, (JsonObject)extra.DeepClone());
        }

        if (!limits.Enabled)
        {
            RemoveLimits(config);
        }

        return config.ToJsonString(s_indented) + "\n";
    }

    /// <summary>
    /// The limits a config holds, for the report: <c>{"Edge": {...}, "Services": {"api": {...}}}</c> with only the
    /// <c>Limits</c> sections; null when it has none.
    /// </summary>
    public static JsonObject? LimitsOf(string configJson)
    {
        var config = JsonNode.Parse(configJson)!.AsObject();
        var found = new JsonObject();
        if (Get(config, "Edge") is JsonObject edge && Get(edge, "Limits") is JsonObject edgeLimits)
        {
            found["Edge"] = new JsonObject { ["Limits"] = edgeLimits.DeepClone() };
        }

        if (Get(config, "Services") is JsonObject services)
        {
            var withLimits = new JsonObject();
            foreach (var (name, node) in services)
            {
                if (node is JsonObject service && Get(service, "Limits") is JsonObject serviceLimits)
                {
                    withLimits[name] = new JsonObject { ["Limits"] = serviceLimits.DeepClone() };
                }
            }

            if (withLimits.Count > 0)
            {
                found["Services"] = withLimits;
            }
        }

        return found.Count > 0 ? found : null;
    }

    /// <summary>
    /// Reads <c>--config-extra</c>: inline JSON when it starts with <c>{</c> (or <c>[</c>), else the path of a JSON file (comments and
    /// trailing commas allowed, as in the edge's own config).
    /// </summary>
    /// <exception cref="FormatException">Not a readable JSON object; the message says why.</exception>
    public static JsonObject ParseExtra(string text)
    {
        var json = text;
        if (text.TrimStart() is not ['{' or '[', ..])
        {
            try
            {
                json = File.ReadAllText(text);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new FormatException($"is neither inline JSON nor a readable file: {e.Message}", e);
            }
        }

        try
        {
            var node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return node as JsonObject ?? throw new FormatException("is not a JSON object (like {\"Services\": {\"api\": {\"Limits\": {...}}}})");
        }
        catch (JsonException e)
        {
            throw new FormatException($"is not valid JSON: {e.Message}", e);
        }
    }

    private static JsonObject? ServiceLimits(SpikeLimits limits)
    {
        static string Duration(TimeSpan span) => $"{span.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)}ms";

        var node = new JsonObject();
        var maxInFlight = limits.MaxInFlight ?? (limits.AnyServiceLimit ? null : SpikeLimits.DefaultMaxInFlight);
        if (limits.MaxRequestBodySize is { } body)
        {
            node["MaxRequestBodySize"] = body;
        }

        if (maxInFlight is { } inFlight)
        {
            node["MaxInFlight"] = inFlight;
        }

        if (limits.MaxQueue is { } queue)
        {
            node["MaxQueue"] = queue;
        }

        if (limits.QueueTimeout is { } queueTimeout)
        {
            node["QueueTimeout"] = Duration(queueTimeout);
        }

        if (limits.RateLimitPerClient is { } perClient)
        {
            var rate = new JsonObject { ["PerClient"] = perClient };
            if (limits.RateLimitPer is { } per)
            {
                rate["Per"] = Duration(per);
            }

            rate["Burst"] = limits.RateLimitBurst ?? perClient;
            node["RateLimit"] = rate;
        }

        return node.Count > 0 ? node : null;
    }

    private static void Merge(JsonObject target, JsonObject source)
    {
        foreach (var (name, value) in source.ToList())
        {
            source.Remove(name);
            var existing = Key(target, name);
            if (existing is not null && target[existing] is JsonObject into && value is JsonObject from)
            {
                Merge(into, from);
                continue;
            }

            if (existing is not null)
            {
                target.Remove(existing);
            }

            target[existing ?? name] = value;
        }
    }

    private static void RemoveLimits(JsonObject config)
    {
        if (Get(config, "Edge") is JsonObject edge && Key(edge, "Limits") is { } edgeKey)
        {
            edge.Remove(edgeKey);
        }

        if (Get(config, "Services") is JsonObject services)
        {
            foreach (var (_, node) in services)
            {
                if (node is JsonObject service && Key(service, "Limits") is { } serviceKey)
                {
                    service.Remove(serviceKey);
                }
            }
        }
    }

    private static JsonNode? Get(JsonObject node, string name) => Key(node, name) is { } key ? node[key] : null;

    /// <summary>The key of <paramref name="node"/> that matches <paramref name="name"/> ignoring case, or null.</summary>
    private static string? Key(JsonObject node, string name)
    {
        foreach (var (key, _) in node)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return key;
            }
        }

        return null;
    }
}

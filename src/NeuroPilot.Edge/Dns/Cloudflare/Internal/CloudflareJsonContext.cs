using System.Text.Json;
using System.Text.Json.Serialization;

namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>Source-generated JSON of the Cloudflare API (Native AOT: no reflection serialization). Cloudflare spells fields in snake_case.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(CloudflareEnvelope<List<CloudflareRecord>>))]
[JsonSerializable(typeof(CloudflareEnvelope<JsonElement>))]
[JsonSerializable(typeof(CloudflareBatchRequest))]
[JsonSerializable(typeof(CloudflareRecordPost))]
[JsonSerializable(typeof(CloudflareRecordPatch))]
internal sealed partial class CloudflareJsonContext : JsonSerializerContext;

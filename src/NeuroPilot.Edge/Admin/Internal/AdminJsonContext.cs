using System.Text.Json.Serialization;

namespace NeuroPilot.Edge.Admin.Internal;

/// <summary>
/// Source-generated JSON of the admin API (Native AOT: no reflection). Property names in snake_case, nulls written
/// (a missing probe is <c>"last_probe": null</c>, not an absent key), indented for people reading it with curl.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(StatusJson))]
[JsonSerializable(typeof(FleetStatusJson))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;

using System.Text.Json.Serialization;

namespace NeuroPilot.Edge.Fleet.Internal;

/// <summary>The JSON of the values the fleet keeps in etcd: source-generated (no reflection, AOT-clean), camelCase.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(FleetServiceView))]
[JsonSerializable(typeof(FleetDrain))]
internal sealed partial class FleetJsonContext : JsonSerializerContext;

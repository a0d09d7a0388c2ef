using System.Text.Json.Serialization;
using NeuroPilot.Edge.Dns;

namespace NeuroPilot.Edge.Admin;

/// <summary>
/// The <c>dns</c> part of <c>/admin/status</c>. Without a provider (no <c>Dns</c> section) it is the state alone;
/// with one it is a <see cref="DnsPushStatusJson"/>. The serializer writes a derived type's own properties before
/// the base's: the order of <c>state</c> keeps it first, as users have always seen it.
/// </summary>
/// <param name="State"><c>disabled</c>, <c>starting</c>, <c>ok</c>, <c>failing</c>; in a fleet also <c>following</c>, <c>paused</c>.</param>
[JsonDerivedType(typeof(DnsPushStatusJson))]
public record DnsStatusJson([property: JsonPropertyOrder(-1)] string State)
{
    public static DnsStatusJson From(DnsStatus dns)
    {
        // The one place that reads the pusher's state for status.
        var state = dns.State.ToWireName();
        return dns.Provider is null ? new DnsStatusJson(state) : DnsPushStatusJson.From(dns, state);
    }
}

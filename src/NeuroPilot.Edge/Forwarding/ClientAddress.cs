using Microsoft.AspNetCore.Http;

namespace NeuroPilot.Edge.Forwarding;

/// <summary>
/// Who the client is, as the edge tells the upstream (<c>X-Forwarded-For</c>, <c>X-Real-IP</c>) and the access log:
/// the TCP peer. Nothing the client sends about itself is believed; this is the one place that will learn to believe
/// forwarding headers from configured trusted proxies.
/// </summary>
public static class ClientAddress
{
    /// <summary>
    /// The client's address as text (<c>203.0.113.7</c>, <c>2001:db8::1</c>; an IPv4 client of a dual-stack listener
    /// as IPv4, not <c>::ffff:203.0.113.7</c>); null when the connection has none (tests).
    /// </summary>
    public static string? Of(HttpContext context) => context.Connection.RemoteIpAddress is { } address
        ? (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString()
        : null;
}

using NeuroPilot.Edge.ClientIdentity;

namespace NeuroPilot.Edge.Forwarding.Internal;

/// <summary>
/// Who the upstream is told the client is, one rule for both engines. From a client that is not a trusted proxy,
/// every header an upstream may take a client's identity from (<see cref="IdentityHeaders"/>) is dropped and
/// <c>X-Forwarded-For</c>, <c>X-Forwarded-Proto</c> and <c>X-Forwarded-Host</c> are set from the connection; from a
/// trusted proxy they pass on, the proxy's address appended to <c>X-Forwarded-For</c> and the scheme and host set
/// only where the proxy sent none. <c>X-Real-IP</c> is always the client the edge decided on.
/// </summary>
internal static class ForwardedIdentity
{
    public const string ForwardedFor = "X-Forwarded-For";
    public const string RealIp = "X-Real-IP";
    public const string ForwardedProto = "X-Forwarded-Proto";
    public const string ForwardedHost = "X-Forwarded-Host";

    /// <summary>Headers an upstream may take a client's address, scheme or host from: only the edge sets them.</summary>
    public static readonly string[] IdentityHeaders =
    [
        ForwardedFor, RealIp, ForwardedProto, ForwardedHost, "Forwarded", "X-Forwarded-Port", "X-Forwarded-Prefix",
        "X-Forwarded-Server", "X-Forwarded-Ssl", "X-Client-IP", "X-Original-Forwarded-For", "CF-Connecting-IP",
        "CF-Connecting-IPv6", "True-Client-IP",
    ];

    /// <summary>The identity headers the edge writes for this request (null: none of that name).</summary>
    public static ForwardedValues Of(HttpContext context, ClientAddress client)
    {
        var request = context.Request;
        if (client.FromTrustedProxy)
        {
            var peer = context.Connection.RemoteIpAddress is { } remote ? (remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote).ToString() : null;
            var chain = request.Headers[ForwardedFor];
            return new ForwardedValues(
                chain.Count == 0 ? peer : peer is null ? chain.ToString() : $"{chain}, {peer}",
                request.Headers.ContainsKey(ForwardedProto) ? null : request.Scheme,
                request.Headers.ContainsKey(ForwardedHost) || !request.Host.HasValue ? null : request.Host.Value,
                client.Address);
        }

        return new ForwardedValues(client.Address, request.Scheme, request.Host.HasValue ? request.Host.Value : null, client.Address);
    }

    /// <summary>Whether a header the client sent is left out of the upstream request because the edge speaks for it.</summary>
    public static bool IsReplaced(string name, bool fromTrustedProxy)
    {
        if (fromTrustedProxy)
        {
            return name.Equals(ForwardedFor, StringComparison.OrdinalIgnoreCase) || name.Equals(RealIp, StringComparison.OrdinalIgnoreCase);
        }

        foreach (var identity in IdentityHeaders)
        {
            if (name.Equals(identity, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The <c>Connection</c> options that are not header names (RFC 9110 7.6.1).</summary>
    public static bool IsConnectionOption(ReadOnlySpan<char> token) =>
        token.Length == 0 || token.Equals("keep-alive", StringComparison.OrdinalIgnoreCase) ||
        token.Equals("close", StringComparison.OrdinalIgnoreCase) || token.Equals("upgrade", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The identity headers of one upstream request (see <see cref="ForwardedIdentity.Of"/>).</summary>
internal readonly record struct ForwardedValues(string? ForwardedFor, string? Proto, string? Host, string? RealIp);

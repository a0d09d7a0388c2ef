using System.Net;
using Microsoft.Extensions.Primitives;
using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.ClientIdentity;

/// <summary>
/// Decides who the client of a request is: the TCP peer, unless the peer is one of <c>Edge.TrustedProxies</c>; then
/// the address the proxy names in <c>Edge.ClientAddressHeader</c>. In <c>X-Forwarded-For</c> and <c>Forwarded</c>
/// the chain is read from the right and the first address that is not a trusted proxy is the client (what a client
/// writes at the left end of the chain is never believed); an entry that is not an address stops the walk at the
/// last trusted hop. The result is what the upstream gets in <c>X-Real-IP</c> and <c>X-Forwarded-For</c>, what the
/// access log records and what per-client limits key on. Immutable; one per config.
/// </summary>
public sealed class ClientAddressResolver
{
    /// <summary>Trusts no one: the TCP peer is the client.</summary>
    public static readonly ClientAddressResolver Untrusting = new([], ClientAddressHeader.XForwardedFor);

    private readonly IPNetwork[] _trusted;

    public ClientAddressResolver(IReadOnlyList<IPNetwork> trusted, ClientAddressHeader header)
    {
        _trusted = [.. trusted];
        Header = header;
        HeaderName = header switch
        {
            ClientAddressHeader.Forwarded => "Forwarded",
            ClientAddressHeader.CfConnectingIp => "CF-Connecting-IP",
            ClientAddressHeader.XRealIp => "X-Real-IP",
            ClientAddressHeader.TrueClientIp => "True-Client-IP",
            _ => "X-Forwarded-For",
        };
    }

    public ClientAddressHeader Header { get; }

    /// <summary>The name of the header the client is read from.</summary>
    public string HeaderName { get; }

    public ClientAddress Resolve(HttpContext context)
    {
        if (context.Connection.RemoteIpAddress is not { } remote)
        {
            return default;
        }

        var peer = Normalize(remote);
        if (_trusted.Length == 0 || !IsTrusted(peer))
        {
            return new ClientAddress(peer.ToString(), FromTrustedProxy: false);
        }

        var values = context.Request.Headers[HeaderName];
        var client = Header switch
        {
            ClientAddressHeader.XForwardedFor => FromChain(values, forwarded: false),
            ClientAddressHeader.Forwarded => FromChain(values, forwarded: true),
            _ => values.Count > 0 && TryParse(values[values.Count - 1].AsSpan(), out var single) ? single : null,
        };
        return new ClientAddress((client ?? peer).ToString(), FromTrustedProxy: true);
    }

    public bool IsTrusted(IPAddress address)
    {
        foreach (var network in _trusted)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The rightmost address of the chain that is not a trusted proxy (the leftmost when all are); null when the last entry is not an address.</summary>
    private IPAddress? FromChain(StringValues values, bool forwarded)
    {
        IPAddress? candidate = null;
        for (var v = values.Count - 1; v >= 0; v--)
        {
            var value = values[v].AsSpan();
            while (true)
            {
                var comma = value.LastIndexOf(',');
                var entry = comma < 0 ? value : value[(comma + 1)..];
                if (!(forwarded ? TryParseForwardedFor(entry, out var address) : TryParse(entry, out address)))
                {
                    return candidate;
                }

                candidate = address;
                if (!IsTrusted(address))
                {
                    return candidate;
                }

                if (comma < 0)
                {
                    break;
                }

                value = value[..comma];
            }
        }

        return candidate;
    }

    /// <summary>The <c>for</c> parameter of one <c>Forwarded</c> element (<c>for=192.0.2.60;proto=http</c>, <c>for="[2001:db8::17]:4711"</c>).</summary>
    private static bool TryParseForwardedFor(ReadOnlySpan<char> element, out IPAddress address)
    {
        foreach (var range in element.Split(';'))
        {
            var pair = element[range].Trim();
            if (pair.Length > 4 && pair[..4].Equals("for=", StringComparison.OrdinalIgnoreCase))
            {
                return TryParse(pair[4..].Trim('"'), out address);
            }
        }

        address = IPAddress.None;
        return false;
    }

    /// <summary>An address, with or without a port (<c>1.2.3.4</c>, <c>1.2.3.4:80</c>, <c>::1</c>, <c>[::1]:80</c>).</summary>
    private static bool TryParse(ReadOnlySpan<char> text, out IPAddress address)
    {
        text = text.Trim();
        if (IPAddress.TryParse(text, out var parsed) || (IPEndPoint.TryParse(text, out var endPoint) && (parsed = endPoint.Address) is not null))
        {
            address = Normalize(parsed);
            return true;
        }

        address = IPAddress.None;
        return false;
    }

    /// <summary>An IPv4 client of a dual-stack listener as IPv4, not <c>::ffff:203.0.113.7</c>.</summary>
    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}

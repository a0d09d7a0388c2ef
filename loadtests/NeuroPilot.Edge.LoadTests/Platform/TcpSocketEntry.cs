using System.Net;

namespace NeuroPilot.Edge.LoadTests.Platform;

/// <summary>One row of <c>/proc/net/tcp</c> or <c>/proc/net/tcp6</c>: the local end, the TCP state and the socket's inode.</summary>
internal readonly record struct TcpSocketEntry(IPAddress LocalAddress, int LocalPort, int State, long Inode)
{
    /// <summary>The kernel's <c>TCP_LISTEN</c> (<c>0A</c> in the <c>st</c> column).</summary>
    public const int ListenState = 0x0A;

    public bool IsListening => State == ListenState;

    /// <summary>
    /// Whether a connection to <paramref name="address"/>:<paramref name="port"/> reaches this listening socket: same
    /// port, and bound to that address, to the wildcard (<c>0.0.0.0</c>, <c>::</c>), or (an IPv6 socket) to the
    /// IPv4-mapped form of it.
    /// </summary>
    public bool Accepts(IPAddress address, int port)
    {
        if (!IsListening || LocalPort != port)
        {
            return false;
        }

        if (LocalAddress.Equals(IPAddress.Any) || LocalAddress.Equals(IPAddress.IPv6Any))
        {
            return true;
        }

        var local = LocalAddress.IsIPv4MappedToIPv6 ? LocalAddress.MapToIPv4() : LocalAddress;
        var wanted = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return local.Equals(wanted);
    }
}

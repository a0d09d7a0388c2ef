using System.Net;
using System.Net.Sockets;
using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Hosting;

/// <summary>
/// Before <c>run</c> starts Kestrel, binds each listener's address and port for a moment: a port in use, an address
/// this host does not have or a port it may not open is then one line naming the listener
/// (<c>Edge.Listen[0]: "http://0.0.0.0:80": cannot listen: permission denied</c>), not an exception from deep inside
/// the host. <c>check</c> does not bind: the running edge holds its ports while <c>systemctl reload</c> checks.
/// </summary>
public static class ListenerCheck
{
    public static IReadOnlyList<ConfigError> Check(EdgeOptions edge)
    {
        var errors = new List<ConfigError>();
        for (var i = 0; i < edge.Listen.Count; i++)
        {
            TryBind(edge.Listen[i], $"Edge.Listen[{i}]", errors);
        }

        TryBind(edge.Admin.Listen, "Edge.Admin.Listen", errors);
        return errors;
    }

    private static void TryBind(Uri url, string path, List<ConfigError> errors)
    {
        var address = url.Host switch
        {
            "localhost" => IPAddress.Loopback,
            "*" or "+" => IPAddress.Any,
            var host => IPAddress.TryParse(host.Trim('[', ']'), out var parsed) ? parsed : null,
        };
        if (address is null || url.Port == 0)
        {
            return;
        }

        try
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(address, url.Port));
        }
        catch (SocketException e)
        {
            var reason = e.Message.Length > 0 ? char.ToLowerInvariant(e.Message[0]) + e.Message[1..] : e.SocketErrorCode.ToString();
            errors.Add(new ConfigError(path, $"\"{url.OriginalString}\": cannot listen: {reason}"));
        }
    }
}

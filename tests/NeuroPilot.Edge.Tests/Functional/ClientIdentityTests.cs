using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// Who the client is (issue 11): only a trusted proxy's forwarding headers are believed. The test connects from two
/// loopback addresses, 127.0.0.1 (a client) and 127.0.0.2 (the trusted proxy), to the real edge binary and reads what
/// the upstream saw (its <c>/headers</c> echo) and what the access log recorded.
/// </summary>
public sealed class ClientIdentityTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("neuropilot-edge-identity-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task XForwardedFor_BelievedFromTheTrustedProxyOnly_InTheUpstreamHeadersAndTheAccessLog()
    {
        using var upstream = await UpstreamProcess.StartAsync("us-east");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        var logPath = Path.Combine(_directory.FullName, "access.log");
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(proxyPort, adminPort, [upstream],
            edgeExtras: $$""" "TrustedProxies": ["127.0.0.2"], "AccessLog": { "Enabled": true, "Path": "{{logPath}}" }"""));

        var fromClient = await GetHeadersFromAsync(edge, IPAddress.Parse("127.0.0.1"));
        var fromProxy = await GetHeadersFromAsync(edge, IPAddress.Parse("127.0.0.2"));
        output.WriteLine($"from 127.0.0.1 (a client):\n{fromClient}\nfrom 127.0.0.2 (trusted proxy):\n{fromProxy}");

        Assert.Contains("X-Real-IP: 127.0.0.1\n", fromClient, StringComparison.Ordinal);
        Assert.Contains("X-Forwarded-For: 127.0.0.1\n", fromClient, StringComparison.Ordinal);
        Assert.DoesNotContain("203.0.113.9", fromClient, StringComparison.Ordinal);
        Assert.Contains("X-Real-IP: 203.0.113.9\n", fromProxy, StringComparison.Ordinal);
        Assert.Contains("X-Forwarded-For: 6.6.6.6, 203.0.113.9, 127.0.0.2\n", fromProxy, StringComparison.Ordinal);

        var clients = new List<string?>();
        await Eventually.WaitUntilAsync(
            () =>
            {
                clients = File.Exists(logPath)
                    ? [.. File.ReadAllLines(logPath).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("client").GetString())]
                    : [];
                return clients.Count >= 2;
            },
            TimeSpan.FromSeconds(10),
            "two access log lines");
        Assert.Equal(["127.0.0.1", "203.0.113.9"], clients);
    }

    /// <summary>GET /headers through the edge from <paramref name="source"/>, claiming 203.0.113.9 as the client.</summary>
    private static async Task<string> GetHeadersFromAsync(EdgeProcess edge, IPAddress source)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(source, 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, edge.ProxyUrl.Port));
        var request = $"GET /headers HTTP/1.1\r\nHost: {edge.ProxyUrl.Authority}\r\nX-Forwarded-For: 6.6.6.6, 203.0.113.9\r\nConnection: close\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        using var stream = new NetworkStream(socket, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var response = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        return response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
    }
}

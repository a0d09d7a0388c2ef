using System.Text;
using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>What the upstream sees of the client's request headers (through the upstream's <c>/headers</c> echo).</summary>
public sealed class ForwardedHeadersTests(ITestOutputHelper output)
{
    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Fact]
    public async Task Get_ThroughTheEdge_UpstreamSeesForwardedHeadersAndTraceparentButNoHopByHopHeaders()
    {
        using var upstream = await UpstreamProcess.StartAsync("us-east");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(proxyPort, adminPort, [upstream]));

        var headers = await GetUpstreamHeadersAsync(
            edge,
            $"Host: 127.0.0.1:{proxyPort}",
            $"traceparent: {TraceParent}",
            "Connection: x-foo",
            "X-Foo: hop",
            "Keep-Alive: timeout=5",
            "Proxy-Connection: keep-alive",
            "TE: gzip",
            "X-End-To-End: kept");

        Assert.Equal("127.0.0.1", Value(headers, "X-Forwarded-For"));
        Assert.Equal("http", Value(headers, "X-Forwarded-Proto"));
        Assert.Equal($"127.0.0.1:{proxyPort}", Value(headers, "X-Forwarded-Host"));
        Assert.Equal(TraceParent, Value(headers, "traceparent"));
        Assert.Equal("kept", Value(headers, "X-End-To-End"));
        Assert.Null(Value(headers, "Keep-Alive"));
        Assert.Null(Value(headers, "Proxy-Connection"));
        Assert.Null(Value(headers, "TE"));
        Assert.Null(Value(headers, "X-Foo"));
        Assert.DoesNotContain("x-foo", Value(headers, "Connection") ?? "", StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Get_ClientSendsItsOwnForwardingHeaders_UpstreamSeesOnlyWhatTheEdgeSets()
    {
        using var upstream = await UpstreamProcess.StartAsync("us-east");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(proxyPort, adminPort, [upstream]));

        var headers = await GetUpstreamHeadersAsync(
            edge,
            $"Host: 127.0.0.1:{proxyPort}",
            "X-Forwarded-For: 6.6.6.6",
            "X-Real-IP: 6.6.6.6",
            "Forwarded: for=6.6.6.6;proto=https",
            "X-Forwarded-Port: 443",
            "X-Forwarded-Proto: https",
            "X-Forwarded-Host: bank.example",
            "CF-Connecting-IP: 6.6.6.6",
            "True-Client-IP: 6.6.6.6");

        Assert.Equal("127.0.0.1", Value(headers, "X-Forwarded-For"));
        Assert.Equal("127.0.0.1", Value(headers, "X-Real-IP"));
        Assert.Equal("http", Value(headers, "X-Forwarded-Proto"));
        Assert.Equal($"127.0.0.1:{proxyPort}", Value(headers, "X-Forwarded-Host"));
        Assert.Null(Value(headers, "Forwarded"));
        Assert.Null(Value(headers, "X-Forwarded-Port"));
        Assert.Null(Value(headers, "CF-Connecting-IP"));
        Assert.Null(Value(headers, "True-Client-IP"));
        Assert.DoesNotContain(headers, h => h.Value.Contains("6.6.6.6", StringComparison.Ordinal));
    }

    [Fact(Skip = "bug: with \"Connection: keep-alive, x-foo\" X-Foo still reaches the upstream: Kestrel rewrites the parsed " +
        "Connection header to plain \"keep-alive\" before ForwardingTransformer reads it; see the report")]
    public async Task Get_HeaderNamedByConnectionBesideKeepAlive_DoesNotArriveUpstream()
    {
        using var upstream = await UpstreamProcess.StartAsync("us-east");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(proxyPort, adminPort, [upstream]));

        var headers = await GetUpstreamHeadersAsync(edge, $"Host: 127.0.0.1:{proxyPort}", "Connection: keep-alive, x-foo", "X-Foo: hop");

        Assert.Null(Value(headers, "X-Foo"));
    }

    private async Task<List<KeyValuePair<string, string>>> GetUpstreamHeadersAsync(EdgeProcess edge, params string[] requestHeaders)
    {
        using var connection = await RawHttpConnection.ConnectAsync(edge.ProxyUrl);
        await connection.WriteHeadAsync("GET", "/headers", requestHeaders);
        var head = await connection.ReadResponseHeadAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var text = Encoding.UTF8.GetString(await connection.ReadBodyAsync(head).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(200, head.Status);
        output.WriteLine($"the upstream saw:\n{text}");
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => new KeyValuePair<string, string>(line[..line.IndexOf(':', StringComparison.Ordinal)], line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()))
            .ToList();
    }

    private static string? Value(List<KeyValuePair<string, string>> headers, string name) =>
        headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}

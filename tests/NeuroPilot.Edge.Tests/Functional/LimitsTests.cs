using System.Net;
using System.Net.Sockets;
using System.Text;
using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// Limits and load shedding (issue 11) against the real edge binary and real upstreams: what is refused is answered at
/// once by the edge (413, 429, 503 with Retry-After), never reaches an upstream and never moves health.
/// </summary>
public sealed class LimitsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task MaxRequestBodySize_DeclaredOrChunkedBodyOverIt_Gets413AndHealthIsUntouched()
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west");
        using var edge = await StartAsync(upstreams, """ "Limits": { "MaxRequestBodySize": "1KiB" } """);

        var small = await SendAsync(edge, "POST", "/echo", new string('a', 1024), chunked: false);
        var declared = await SendAsync(edge, "POST", "/echo", new string('b', 1025), chunked: false);
        var chunked = await SendAsync(edge, "POST", "/echo", new string('c', 4096), chunked: true);

        output.WriteLine($"1,024 bytes: {small.Status}; 1,025 declared: {declared.Status}; 4,096 chunked: {chunked.Status}");
        Assert.Equal(200, small.Status);
        Assert.Equal(1024, small.Body.Length);
        Assert.Equal(413, declared.Status);
        Assert.Equal(413, chunked.Status);
        await AssertHealthUntouchedAsync(edge);
        var metrics = await edge.GetMetricsTextAsync();
        Assert.Equal(2, PrometheusText.Sum(metrics, "neuropilot_edge_requests_shed_total", ("reason", "body_too_large")));
    }

    [Fact]
    public async Task RateLimit_OneClientOverItsRate_Gets429WithRetryAfterWhileAnotherClientIsServed()
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west");
        using var edge = await StartAsync(upstreams, """ "Limits": { "RateLimit": { "PerClient": 5, "Per": "10s", "Burst": 5 } } """);

        var first = new List<(int Status, string? RetryAfter)>();
        for (var i = 0; i < 10; i++)
        {
            var answer = await SendAsync(edge, "GET", $"/r/{i}", body: null, chunked: false);
            first.Add((answer.Status, answer.Header("Retry-After")));
        }

        var other = await SendAsync(edge, "GET", "/other", body: null, chunked: false, source: IPAddress.Parse("127.0.0.2"));

        output.WriteLine($"client 127.0.0.1: {string.Join(", ", first.Select(a => a.RetryAfter is null ? $"{a.Status}" : $"{a.Status} (Retry-After {a.RetryAfter})"))}; client 127.0.0.2: {other.Status}");
        Assert.Equal([200, 200, 200, 200, 200, 429, 429, 429, 429, 429], first.Select(a => a.Status));
        Assert.All(first.Skip(5), a => Assert.InRange(int.Parse(a.RetryAfter!, System.Globalization.CultureInfo.InvariantCulture), 1, 2));
        Assert.Equal(200, other.Status);
        await AssertHealthUntouchedAsync(edge);
        Assert.Equal(5, PrometheusText.Sum(await edge.GetMetricsTextAsync(), "neuropilot_edge_requests_shed_total", ("reason", "rate_limited")));
    }

    [Fact]
    public async Task MaxInFlight_MoreConcurrentRequestsThanSlotsAndQueue_AreShedWith503AtOnce()
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west");
        using var edge = await StartAsync(upstreams, """ "Limits": { "MaxInFlight": 2, "MaxQueue": 1, "QueueTimeout": "300ms" } """);

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            // 800 ms: under StallTimeout (1 s), so two slow requests are not taken for a hung upstream.
            var answer = await SendAsync(edge, "GET", $"/delay?ms=800&i={i}", body: null, chunked: false);
            return (answer.Status, RetryAfter: answer.Header("Retry-After"), clock.Elapsed);
        }));

        output.WriteLine(string.Join("; ", answers.OrderBy(a => a.Elapsed).Select(a => $"{a.Status} after {a.Elapsed.TotalMilliseconds:0} ms{(a.RetryAfter is null ? "" : $" Retry-After {a.RetryAfter}")}")));
        Assert.Equal(2, answers.Count(a => a.Status == 200));
        Assert.Equal(4, answers.Count(a => a.Status == 503));
        Assert.All(answers.Where(a => a.Status == 503), a =>
        {
            Assert.Equal("1", a.RetryAfter);
            Assert.True(a.Elapsed < TimeSpan.FromMilliseconds(700), $"a shed request took {a.Elapsed.TotalMilliseconds:0} ms");
        });
        await AssertHealthUntouchedAsync(edge);
        var metrics = await edge.GetMetricsTextAsync();
        Assert.Equal(3, PrometheusText.Sum(metrics, "neuropilot_edge_requests_shed_total", ("reason", "over_capacity")));
        Assert.Equal(1, PrometheusText.Sum(metrics, "neuropilot_edge_requests_shed_total", ("reason", "queue_timeout")));
    }

    [Fact]
    public async Task MaxConnections_OneMoreConnection_IsClosedAtOnceAndTheAdminListenerStillAnswers()
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west");
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(proxyPort, adminPort, upstreams.All,
            edgeExtras: """ "Limits": { "MaxConnections": 3 } """));
        var held = new List<RawHttpConnection>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var connection = await RawHttpConnection.ConnectAsync(edge.ProxyUrl);
                held.Add(connection);
                await connection.WriteHeadAsync("GET", "/held", $"Host: {edge.ProxyUrl.Authority}");
                Assert.Equal(200, (await connection.ReadResponseHeadAsync().WaitAsync(TimeSpan.FromSeconds(10))).Status);
            }

            long bytes;
            try
            {
                using var extra = await RawHttpConnection.ConnectAsync(edge.ProxyUrl);
                await extra.WriteHeadAsync("GET", "/one-too-many", $"Host: {edge.ProxyUrl.Authority}");
                bytes = await extra.ReadUntilClosedAsync().WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                // Reset: closed without an answer. The kernel completes the handshake before the edge accepts, so on a
                // busy machine the edge's reset can reach the client before its connect has returned (seen in CI).
                bytes = 0;
            }

            output.WriteLine($"fourth connection: closed after {bytes} bytes");
            Assert.Equal(0, bytes);

            using var healthz = await edge.SendAdminAsync(new HttpRequestMessage(HttpMethod.Get, "/healthz"));
            Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
            var metrics = await edge.GetMetricsTextAsync();
            Assert.Equal(1, PrometheusText.Sum(metrics, "neuropilot_edge_connections_rejected_total"));
            Assert.Equal(3, PrometheusText.Sum(metrics, "neuropilot_edge_connections_open"));
        }
        finally
        {
            held.ForEach(c => c.Dispose());
        }
    }

    private static Task<EdgeProcess> StartAsync(UpstreamGroup upstreams, string serviceExtras) =>
        EdgeProcess.StartAsync(EdgeConfigText.SingleService(FreePorts.Next(), FreePorts.Next(), upstreams.All, serviceExtras: serviceExtras));

    /// <summary>One request on its own connection from <paramref name="source"/> (127.0.0.1 by default).</summary>
    private static async Task<Answer> SendAsync(EdgeProcess edge, string method, string target, string? body, bool chunked, IPAddress? source = null)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(source ?? IPAddress.Loopback, 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, edge.ProxyUrl.Port));
        var head = new StringBuilder($"{method} {target} HTTP/1.1\r\nHost: {edge.ProxyUrl.Authority}\r\nConnection: close\r\n");
        var payload = "";
        if (body is not null)
        {
            head.Append(chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {body.Length}\r\n");
            payload = chunked ? $"{body.Length:x}\r\n{body}\r\n0\r\n\r\n" : body;
        }

        await socket.SendAsync(Encoding.ASCII.GetBytes($"{head}\r\n{payload}"));
        using var stream = new NetworkStream(socket, ownsSocket: false);
        var received = new MemoryStream();
        try
        {
            await stream.CopyToAsync(received).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (IOException)
        {
            // The edge may reset a connection whose body it refused; what it answered first is what counts.
        }

        var text = Encoding.ASCII.GetString(received.ToArray());
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(end > 0, $"no response to {method} {target}: \"{text}\"");
        var lines = text[..end].Split("\r\n");
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var content = text[(end + 4)..];
        if (headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            content = Dechunk(content);
        }

        return new Answer(int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), headers, content);
    }

    private static string Dechunk(string chunked)
    {
        var result = new StringBuilder();
        while (true)
        {
            var lineEnd = chunked.IndexOf("\r\n", StringComparison.Ordinal);
            var size = Convert.ToInt32(chunked[..lineEnd].Split(';')[0], 16);
            if (size == 0)
            {
                return result.ToString();
            }

            result.Append(chunked, lineEnd + 2, size);
            chunked = chunked[(lineEnd + 2 + size + 2)..];
        }
    }

    private static async Task AssertHealthUntouchedAsync(EdgeProcess edge)
    {
        var service = (await edge.GetStatusJsonAsync()).GetProperty("services")[0];
        Assert.Equal("us-east", service.GetProperty("serving_region").GetString());
        foreach (var region in service.GetProperty("regions").EnumerateArray())
        {
            foreach (var destination in region.GetProperty("destinations").EnumerateArray())
            {
                Assert.Equal("closed", destination.GetProperty("breaker").GetString());
            }
        }
    }

    private sealed record Answer(int Status, Dictionary<string, string> Headers, string Body)
    {
        public string? Header(string name) => Headers.GetValueOrDefault(name);
    }
}

using System.Security.Cryptography;
using System.Text;
using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// Request bodies stream through the edge: the upstream's answer reaches the client while the client is still
/// sending, and a 10 MB body arrives intact without the edge holding it in memory.
/// </summary>
public sealed class StreamingUploadTests(ITestOutputHelper output)
{
    private const int BodySize = 10 * 1024 * 1024;
    private const int ChunkSize = 64 * 1024;

    /// <summary>
    /// What the client sends before it waits for the response headers. The upstream answers once it has read 1 MiB;
    /// a little more covers the few KiB a streaming proxy may hold in its write buffers.
    /// </summary>
    private const int FirstPart = (1 << 20) + (256 << 10);

    private static readonly TimeSpan HeadersDeadline = TimeSpan.FromSeconds(10);

    [Fact(Skip = "bug: towards an HTTP/1.1 upstream the edge relays no response before the whole request body is sent " +
        "(SocketsHttpHandler's HTTP/1.1 SendAsync sends all content before reading the response); see the report")]
    public Task Post_TenMegabyteStreamedBody_ArrivesIntactAndStreams() =>
        PostStreamedBodyAsync(http2Upstream: false, expectResponseMidBody: true);

    [Fact]
    public Task Post_TenMegabyteStreamedBodyToHttp2Upstream_ArrivesIntactAndStreams() =>
        PostStreamedBodyAsync(http2Upstream: true, expectResponseMidBody: true);

    [Fact]
    public Task Post_TenMegabyteChunkedBodyToHttp11Upstream_ArrivesIntact() =>
        PostStreamedBodyAsync(http2Upstream: false, expectResponseMidBody: false);

    private async Task PostStreamedBodyAsync(bool http2Upstream, bool expectResponseMidBody)
    {
        using var upstream = await UpstreamProcess.StartAsync("us-east", http2: http2Upstream);
        var (proxyPort, adminPort) = (FreePorts.Next(), FreePorts.Next());
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(
            proxyPort, adminPort, [upstream], serviceExtras: http2Upstream ? "\"UpstreamHttpVersion\": \"http2\"" : ""));

        var body = new byte[BodySize];
        new Random(20240601).NextBytes(body);
        var expectedSha = Convert.ToHexStringLower(SHA256.HashData(body));
        var rssBefore = edge.ReadRssKiB();

        // HttpClient's HTTP/1.1 sends the whole body before it reads a response; a raw connection reads it mid-body.
        using var connection = await RawHttpConnection.ConnectAsync(edge.ProxyUrl);
        await connection.WriteHeadAsync("POST", "/upload", $"Host: 127.0.0.1:{proxyPort}", "Transfer-Encoding: chunked", "Content-Type: application/octet-stream");
        var sent = await SendAsync(connection, body, 0, expectResponseMidBody ? FirstPart : BodySize);
        if (!expectResponseMidBody)
        {
            await connection.WriteLastChunkAsync();
        }

        RawHttpResponseHead head;
        try
        {
            head = await connection.ReadResponseHeadAsync().WaitAsync(HeadersDeadline);
        }
        catch (TimeoutException)
        {
            Assert.Fail(
                $"no response headers within {HeadersDeadline.TotalSeconds} s of sending {sent:N0} of {BodySize:N0} bytes, although the " +
                "upstream answers after 1 MiB: the edge holds the response until the whole request body is sent (or buffers the body)");
            throw;
        }

        var firstText = new StringBuilder();
        while (!firstText.ToString().Contains('\n', StringComparison.Ordinal) && await connection.ReadChunkAsync().WaitAsync(HeadersDeadline) is { } chunk)
        {
            firstText.Append(Encoding.UTF8.GetString(chunk));
        }

        var sentWhenFirstLineArrived = sent;
        if (expectResponseMidBody)
        {
            sent = await SendAsync(connection, body, sent, BodySize);
            await connection.WriteLastChunkAsync();
        }

        var rest = Encoding.UTF8.GetString(await connection.ReadBodyAsync(head).WaitAsync(TimeSpan.FromSeconds(30)));
        var rssAfter = edge.ReadRssKiB();
        var lines = (firstText + rest).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        output.WriteLine($"upstream {(http2Upstream ? "HTTP/2 (h2c)" : "HTTP/1.1")}: response headers and first line \"{lines.FirstOrDefault()}\" arrived after {sentWhenFirstLineArrived:N0} of {BodySize:N0} bytes were sent");
        output.WriteLine($"upstream says: {lines.LastOrDefault()}");
        output.WriteLine($"edge RSS before {rssBefore / 1024.0:0.0} MiB, after {rssAfter / 1024.0:0.0} MiB ({(rssAfter - rssBefore) / 1024.0:+0.0;-0.0} MiB for a {BodySize >> 20} MiB body)");

        Assert.Equal(200, head.Status);
        Assert.Equal("us-east", head.Header("X-Upstream-Region"));
        Assert.Equal(["receiving", $"bytes={BodySize} sha256={expectedSha}"], lines);
        if (expectResponseMidBody)
        {
            Assert.True(sentWhenFirstLineArrived < BodySize, $"the first line arrived only after the whole body was sent ({sentWhenFirstLineArrived} bytes)");
        }
    }

    private static async Task<int> SendAsync(RawHttpConnection connection, byte[] body, int from, int to)
    {
        for (var offset = from; offset < to; offset += ChunkSize)
        {
            await connection.WriteChunkAsync(body.AsMemory(offset, Math.Min(ChunkSize, to - offset)));
        }

        return to;
    }
}

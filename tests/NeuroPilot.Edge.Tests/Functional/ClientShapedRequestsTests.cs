using System.Text;
using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// What a client sends must never move health (issue 10, "Done when" 2): requests the edge cannot forward are
/// answered 4xx/501 and charge no upstream, slow uploads are never taken for a hung upstream. the README's minimal
/// config (plus <c>PreserveHost</c>), three real upstream regions, the real edge binary.
/// </summary>
public sealed class ClientShapedRequestsTests(ITestOutputHelper output)
{
    private const int EachKind = 20;

    public static TheoryData<string, string, int> Kinds => new()
    {
        // name, raw request (HOST stands for the edge's authority), expected status
        { "content header nominated by Connection", "GET /a HTTP/1.1\r\nHost: HOST\r\nConnection: Content-Type\r\nContent-Type: text/plain\r\n\r\n", 200 },
        { "CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 501 },
        { "Host port out of range (PreserveHost)", "GET /b HTTP/1.1\r\nHost: x:99999\r\n\r\n", 400 },
        { "Host the outgoing request cannot carry (PreserveHost)", "GET /c HTTP/1.1\r\nHost: a~b\r\n\r\n", 400 },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ClientShapedRequest_TwentyOfAKind_LeaveEveryBreakerClosedAndTheServingRegionUnchanged(string kind, string request, int expected)
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west", "ap-south");
        using var edge = await EdgeProcess.StartAsync(
            EdgeConfigText.SingleService(FreePorts.Next(), FreePorts.Next(), upstreams.All, serviceExtras: "\"PreserveHost\": true"));
        await edge.WaitUntilReadyAsync(TimeSpan.FromSeconds(10));
        var bytes = Encoding.Latin1.GetBytes(request.Replace("HOST", edge.ProxyUrl.Authority, StringComparison.Ordinal));

        var statuses = new List<int>();
        for (var i = 0; i < EachKind; i++)
        {
            using var connection = await RawHttpConnection.ConnectAsync(edge.ProxyUrl);
            await connection.WriteAsync(bytes);
            statuses.Add((await connection.ReadResponseHeadAsync().WaitAsync(TimeSpan.FromSeconds(10))).Status);
        }

        output.WriteLine($"{kind}: {string.Join(", ", statuses.GroupBy(s => s).Select(g => $"{g.Count()} x {g.Key}"))}");
        Assert.All(statuses, status => Assert.Equal(expected, status));
        await AssertHealthUntouchedAsync(edge);
        var metrics = await edge.GetMetricsTextAsync();
        Assert.Equal(0, PrometheusText.Sum(metrics, "neuropilot_edge_retries_total") ?? 0);
    }

    [Fact]
    public async Task SlowUploads_TwoClientsTricklingForFiveSeconds_MoveNothing()
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west", "ap-south");
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(FreePorts.Next(), FreePorts.Next(), upstreams.All));
        await edge.WaitUntilReadyAsync(TimeSpan.FromSeconds(10));

        // 300 bytes every 0.5 s, ten times: each upload takes 5 s, far beyond StallTimeout (1 s). The issue's trickle
        // was 150 bytes (300 B/s); Kestrel answers 408 below 240 B/s, so on a loaded machine whose delays stretch past
        // 6.25 s that pace measured the test's scheduler, not the edge. 600 B/s keeps a 2.5x margin.
        var uploads = Enumerable.Range(0, 2).Select(_ => TrickleAsync(edge, "/echo", chunk: 300, chunks: 10, every: TimeSpan.FromMilliseconds(500))).ToList();
        var checks = 0;
        while (!uploads.All(u => u.IsCompleted))
        {
            await AssertHealthUntouchedAsync(edge);
            checks++;
            await Task.WhenAny(Task.WhenAll(uploads), Task.Delay(TimeSpan.FromMilliseconds(500)));
        }

        var results = await Task.WhenAll(uploads);
        output.WriteLine($"two 5 s uploads: {string.Join(", ", results.Select(r => $"{r.Status} ({r.Body.Length} bytes back)"))}; health checked {checks} times while they ran");
        Assert.All(results, r => Assert.Equal(200, r.Status));
        Assert.All(results, r => Assert.Equal(3000, r.Body.Length));
        await AssertHealthUntouchedAsync(edge);
    }

    [Fact]
    public async Task SlowUpload_LongerThanThePerTryTimeout_IsNotCutOff()
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west", "ap-south");
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(
            FreePorts.Next(), FreePorts.Next(), upstreams.All, serviceExtras: "\"Retry\": { \"PerTryTimeout\": \"2s\" }"));
        await edge.WaitUntilReadyAsync(TimeSpan.FromSeconds(10));

        // 300 KB in 3 s: a legitimate upload on a slow link, longer than the 2 s per-try timeout.
        var result = await TrickleAsync(edge, "/upload", chunk: 30 * 1024, chunks: 10, every: TimeSpan.FromMilliseconds(300));

        output.WriteLine($"300 KB over 3 s with PerTryTimeout 2 s: {result.Status} {Encoding.ASCII.GetString(result.Body).Trim()}");
        Assert.Equal(200, result.Status);
        Assert.StartsWith("bytes=307200 ", Encoding.ASCII.GetString(result.Body), StringComparison.Ordinal);
        await AssertHealthUntouchedAsync(edge);
    }

    [Fact]
    public async Task UploadBelowTheMinimumBodyRate_Gets408_AndMovesNothing()
    {
        using var upstreams = await UpstreamGroup.StartAsync("us-east", "eu-west", "ap-south");
        using var edge = await EdgeProcess.StartAsync(EdgeConfigText.SingleService(FreePorts.Next(), FreePorts.Next(), upstreams.All));
        await edge.WaitUntilReadyAsync(TimeSpan.FromSeconds(10));

        // 50 bytes every 0.5 s (100 B/s) for up to 10 s: under Kestrel's 240 B/s once its 5 s grace has passed.
        using var connection = await RawHttpConnection.ConnectAsync(edge.ProxyUrl);
        await connection.WriteHeadAsync("POST", "/echo", $"Host: {edge.ProxyUrl.Authority}", "Content-Length: 1000", "Content-Type: application/octet-stream");
        var answer = connection.ReadResponseHeadAsync();
        var sent = 0;
        for (var i = 0; i < 20 && !answer.IsCompleted; i++)
        {
            await Task.WhenAny(answer, Task.Delay(TimeSpan.FromMilliseconds(500))); // the client's pace
            try
            {
                await connection.WriteAsync(new byte[50]);
                sent += 50;
            }
            catch (IOException)
            {
                break; // the edge closed the connection after answering
            }
        }

        var head = await answer.WaitAsync(TimeSpan.FromSeconds(15));
        output.WriteLine($"100 B/s upload: {head.Status} after {sent} of 1000 bytes");
        Assert.Equal(408, head.Status);
        Assert.True(sent < 1000, $"the whole body went through ({sent} bytes) before the edge answered");
        await AssertHealthUntouchedAsync(edge);
    }

    private static async Task<(int Status, byte[] Body)> TrickleAsync(EdgeProcess edge, string path, int chunk, int chunks, TimeSpan every)
    {
        using var connection = await RawHttpConnection.ConnectAsync(edge.ProxyUrl);
        await connection.WriteHeadAsync("POST", path, $"Host: {edge.ProxyUrl.Authority}", $"Content-Length: {chunk * chunks}", "Content-Type: application/octet-stream");
        var data = new byte[chunk];
        Array.Fill(data, (byte)'x');
        for (var i = 0; i < chunks; i++)
        {
            await Task.Delay(every); // the client's pace: the point of the test, not a wait for the edge
            await connection.WriteAsync(data);
        }

        var head = await connection.ReadResponseHeadAsync().WaitAsync(TimeSpan.FromSeconds(15));
        return (head.Status, await connection.ReadBodyAsync(head).WaitAsync(TimeSpan.FromSeconds(15)));
    }

    /// <summary>Every breaker closed, every destination up, <c>/readyz</c> 200, us-east serving.</summary>
    private static async Task AssertHealthUntouchedAsync(EdgeProcess edge)
    {
        var status = await edge.GetStatusJsonAsync();
        var service = status.GetProperty("services")[0];
        Assert.Equal("us-east", service.GetProperty("serving_region").GetString());
        foreach (var region in service.GetProperty("regions").EnumerateArray())
        {
            foreach (var destination in region.GetProperty("destinations").EnumerateArray())
            {
                Assert.Equal("closed", destination.GetProperty("breaker").GetString());
            }
        }

        using var ready = await edge.SendAdminAsync(new HttpRequestMessage(HttpMethod.Get, "/readyz"));
        Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
    }
}

using System.Text;
using NeuroPilot.Edge.LoadTests.Http.Internal;

namespace NeuroPilot.Edge.LoadTests.Tests.Http;

public class Http1ResponseParserTests
{
    public static TheoryData<string, int, bool> CompleteResponses => new()
    {
        { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 200, true },
        { "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n", 404, true },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n", 200, true },
        { "HTTP/1.1 204 No Content\r\n\r\n", 204, true },
        { "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", 201, true },
        { "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbad", 503, false },
        { "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", 200, false },
        { "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", 200, true },
        { "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", 200, true },
    };

    [Theory]
    [MemberData(nameof(CompleteResponses))]
    public void TryParse_ResponseSplitAtAnyByte_CompletesWithStatusAndKeepAlive(string response, int status, bool keepAlive)
    {
        var bytes = Encoding.ASCII.GetBytes(response);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var parser = new Http1ResponseParser();
            parser.Reset(headRequest: false);

            var done = Feed(parser, bytes, split);

            Assert.True(done, $"not complete when split at {split}");
            Assert.Equal(status, parser.StatusCode);
            Assert.Equal(keepAlive, parser.KeepAlive);
        }
    }

    [Fact]
    public void TryParse_HeadResponseWithContentLength_CompletesWithoutBody()
    {
        var parser = new Http1ResponseParser();
        parser.Reset(headRequest: true);

        var done = parser.TryParse("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"u8, out var consumed);

        Assert.True(done);
        Assert.Equal(41, consumed);
    }

    [Fact]
    public void TryParse_BodyWithoutLength_CompletesOnlyAtEndOfStream()
    {
        var parser = new Http1ResponseParser();
        parser.Reset(headRequest: false);

        var done = parser.TryParse("HTTP/1.1 200 OK\r\n\r\nsome body"u8, out _);

        Assert.False(done);
        Assert.True(parser.CompleteAtEndOfStream());
        Assert.False(parser.KeepAlive);
    }

    [Fact]
    public void CompleteAtEndOfStream_InTheMiddleOfAContentLengthBody_IsFalse()
    {
        var parser = new Http1ResponseParser();
        parser.Reset(headRequest: false);
        parser.TryParse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"u8, out _);

        Assert.False(parser.CompleteAtEndOfStream());
    }

    [Theory]
    [InlineData("HTTP/2 200\r\n\r\n")]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n")]
    public void TryParse_NotHttp1_Throws(string response)
    {
        var parser = new Http1ResponseParser();
        parser.Reset(headRequest: false);

        Assert.Throws<Http1ProtocolException>(() => parser.TryParse(Encoding.ASCII.GetBytes(response), out _));
    }

    private static bool Feed(Http1ResponseParser parser, byte[] bytes, int split)
    {
        // Mimics the connection: unconsumed bytes stay in the buffer and more arrive behind them.
        var buffer = new List<byte>();
        foreach (var part in new[] { bytes[..split], bytes[split..] })
        {
            buffer.AddRange(part);
            var done = parser.TryParse(buffer.ToArray(), out var consumed);
            buffer.RemoveRange(0, consumed);
            if (done)
            {
                return true;
            }
        }

        return false;
    }
}

using System.Text;
using NeuroPilot.Edge.Http1;

namespace NeuroPilot.Edge.Tests.Http1;

/// <summary>The upstream response head parser and response framing (RFC 9112 §4, §6.3): a malformed response is Invalid (502, never pooled).</summary>
public sealed class Http1ResponseParserTests
{
    private const string Ok = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n";

    [Fact]
    public void Parse_OkWithContentLength_CompleteKeepAliveBodyOfThatLength()
    {
        var (result, head) = Parse(Ok + "hello");

        Assert.Equal(Http1ParseResult.Complete(Ok.Length), result);
        Assert.Equal(200, head.StatusCode);
        Assert.Equal("OK", Text(head.ReasonPhrase));
        Assert.Equal(1, head.VersionMinor);
        Assert.Equal(Http1BodyKind.ContentLength, head.BodyKind);
        Assert.Equal(5, head.ContentLength);
        Assert.True(head.KeepAlive);
        Assert.Equal("text/plain", Text(head.ValueAt(0)));
    }

    [Fact]
    public void Parse_EveryStrictPrefix_NeedsMoreData()
    {
        for (var length = 0; length < Ok.Length; length++)
        {
            Assert.Equal(Http1ParseStatus.NeedMoreData, Parse(Ok[..length]).Result.Status);
        }
    }

    [Theory]
    [InlineData("HTTP/1.1 204 \r\n")]
    [InlineData("HTTP/1.1 204\r\n")]
    public void Parse_EmptyReasonPhrase_Accepted(string statusLine)
    {
        var (result, head) = Parse(statusLine + "\r\n");

        Assert.Equal(Http1ParseStatus.Complete, result.Status);
        Assert.Equal(204, head.StatusCode);
        Assert.True(head.ReasonPhrase.IsEmpty);
    }

    [Fact]
    public void Parse_ReasonPhraseWithSpacesAndObsText_Accepted() =>
        Assert.Equal("Not Found \u00E9t\u00E9", Text(Parse("HTTP/1.1 404 Not Found \u00E9t\u00E9\r\nContent-Length: 0\r\n\r\n").Head.ReasonPhrase));

    [Theory]
    [InlineData("HTTP/1.1 99 Low\r\n")]
    [InlineData("HTTP/1.1 600 High\r\n")]
    [InlineData("HTTP/1.1 2x0 Odd\r\n")]
    [InlineData("HTTP/1.1 2000 Long\r\n")]
    [InlineData("HTTP/1.1  200 OK\r\n")]
    [InlineData("HTTP/1.1 200\tOK\r\n")]
    [InlineData("HTTP/1.1 200 O\0K\r\n")]
    [InlineData("HTTP/1.1 200 O\rK\r\n")]
    [InlineData("HTTP/2.0 200 OK\r\n")]
    [InlineData("HTTP/1.2 200 OK\r\n")]
    [InlineData("http/1.1 200 OK\r\n")]
    [InlineData("ICY 200 OK\r\n")]
    [InlineData("\r\nHTTP/1.1 200 OK\r\n")]
    public void Parse_MalformedStatusLine_Invalid(string statusLine) => AssertInvalid(statusLine + "Content-Length: 0\r\n\r\n");

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\nContent-Length: 5\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: b\0c\r\nContent-Length: 5\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: b\rContent-Length: 5\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\nContent-Length: 5\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\n\n")]
    public void Parse_FieldSyntaxViolation_Invalid(string response) => AssertInvalid(response);

    [Theory]
    [InlineData("Content-Length: 5\r\nContent-Length: 5")]
    [InlineData("Content-Length: 5, 5")]
    [InlineData("Content-Length: -1")]
    [InlineData("Content-Length: 99999999999999999999")]
    public void Parse_DuplicateOrInvalidContentLength_Invalid(string fields) => AssertInvalid($"HTTP/1.1 200 OK\r\n{fields}\r\n\r\n");

    [Theory]
    [InlineData("Content-Length: 5\r\nTransfer-Encoding: chunked")]
    [InlineData("Transfer-Encoding: chunked\r\nContent-Length: 5")]
    [InlineData("Transfer-Encoding: chunked, chunked")]
    [InlineData("Transfer-Encoding: ")]
    public void Parse_ContentLengthWithTransferEncodingOrChunkedTwice_Invalid(string fields) => AssertInvalid($"HTTP/1.1 200 OK\r\n{fields}\r\n\r\n");

    [Fact]
    public void Parse_TransferEncodingInHttp10_Invalid() => AssertInvalid("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");

    [Theory]
    [InlineData("Transfer-Encoding: chunked", Http1BodyKind.Chunked, true)]
    [InlineData("Transfer-Encoding: gzip, chunked", Http1BodyKind.Chunked, true)]
    [InlineData("Transfer-Encoding: chunked, gzip", Http1BodyKind.CloseDelimited, false)]
    [InlineData("Transfer-Encoding: xchunked", Http1BodyKind.CloseDelimited, false)]
    [InlineData("Content-Length: 0", Http1BodyKind.ContentLength, true)]
    [InlineData("X-None: framing", Http1BodyKind.CloseDelimited, false)]
    [InlineData("Content-Length: 3\r\nConnection: close", Http1BodyKind.ContentLength, false)]
    public void Parse_FramingFields_DecideBodyAndReuse(string fields, Http1BodyKind kind, bool keepAlive)
    {
        var (result, head) = Parse($"HTTP/1.1 200 OK\r\n{fields}\r\n\r\n");

        Assert.Equal(Http1ParseStatus.Complete, result.Status);
        Assert.Equal(kind, head.BodyKind);
        Assert.Equal(keepAlive, head.KeepAlive);
    }

    [Theory]
    [InlineData(204)]
    [InlineData(304)]
    [InlineData(100)]
    [InlineData(103)]
    public void Parse_StatusWithoutBody_NoBodyWhateverTheFields(int status)
    {
        var (_, head) = Parse($"HTTP/1.1 {status} X\r\nContent-Length: 10\r\n\r\n");

        Assert.Equal(Http1BodyKind.None, head.BodyKind);
        Assert.True(head.KeepAlive);
    }

    [Theory]
    [InlineData("Content-Length: 10")]
    [InlineData("Transfer-Encoding: chunked")]
    public void Parse_ResponseToHead_NoBodyWhateverTheFields(string fields)
    {
        var (_, head) = Parse($"HTTP/1.1 200 OK\r\n{fields}\r\n\r\n", requestWasHead: true);

        Assert.Equal(Http1BodyKind.None, head.BodyKind);
        Assert.True(head.KeepAlive);
    }

    [Fact]
    public void Parse_Interim100ThenFinal_TwoHeadsInARow()
    {
        const string interim = "HTTP/1.1 100 Continue\r\n\r\n";
        var parser = new Http1ResponseParser();
        using var head = new Http1ResponseHead();
        var buffer = Http1Input.Whole(interim + Ok);

        var first = parser.Parse(buffer, head, requestWasHead: false);
        Assert.Equal(interim.Length, first.Consumed);
        Assert.True(head.IsInterim);

        var second = parser.Parse(buffer.Slice(first.Consumed), head, requestWasHead: false);
        Assert.Equal(Ok.Length, second.Consumed);
        Assert.False(head.IsInterim);
        Assert.Equal(200, head.StatusCode);
    }

    [Fact]
    public void Parse_SwitchingProtocols_FlaggedNoBodyNotReusable()
    {
        var (_, head) = Parse("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");

        Assert.True(head.IsSwitchingProtocols);
        Assert.False(head.IsInterim);
        Assert.Equal(Http1BodyKind.None, head.BodyKind);
        Assert.False(head.KeepAlive);
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("Connection: keep-alive\r\n", true)]
    public void Parse_Http10Response_ReusedOnlyWithKeepAlive(string fields, bool keepAlive) =>
        Assert.Equal(keepAlive, Parse($"HTTP/1.0 200 OK\r\n{fields}Content-Length: 0\r\n\r\n").Head.KeepAlive);

    [Fact]
    public void Parse_HeadOverTheSizeLimit_Invalid()
    {
        var options = new Http1ParserOptions { MaxHeadSize = 128 };
        var response = $"HTTP/1.1 200 OK\r\nX-Big: {new string('b', 200)}\r\n\r\n";

        AssertInvalid(response, options);
        AssertInvalid(response[..150], options);
    }

    [Fact]
    public void Parse_MoreFieldsThanTheLimit_Invalid() =>
        AssertInvalid("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", new Http1ParserOptions { MaxFieldCount = 2 });

    [Fact]
    public void Parse_SmallResponseOnAWarmHead_AllocatesNothing()
    {
        var buffer = Http1Input.Whole(SmallResponse);
        var parser = new Http1ResponseParser();
        using var head = new Http1ResponseHead();
        Assert.Equal(Http1ParseStatus.Complete, parser.Parse(buffer, head, requestWasHead: false).Status);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            parser.Parse(buffer, head, requestWasHead: false);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    internal const string SmallResponse =
        "HTTP/1.1 200 OK\r\n"
        + "Server: nginx/1.22.1\r\n"
        + "Date: Sat, 05 Dec 2026 02:46:47 GMT\r\n"
        + "Content-Type: application/json\r\n"
        + "Content-Length: 27\r\n"
        + "Connection: keep-alive\r\n"
        + "\r\n";

    private static (Http1ParseResult Result, Http1ResponseHead Head) Parse(string response, bool requestWasHead = false, Http1ParserOptions? options = null)
    {
        var head = new Http1ResponseHead();
        return (new Http1ResponseParser(options).Parse(Http1Input.Whole(response), head, requestWasHead), head);
    }

    private static void AssertInvalid(string response, Http1ParserOptions? options = null)
    {
        var (result, _) = Parse(response, options: options);
        Assert.True(result.Status == Http1ParseStatus.Invalid && result.StatusCode == 502,
            $"expected Invalid, got {result.Status} ({result.Reason}) for {response.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}");
    }

    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
}

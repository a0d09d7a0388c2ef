using System.Buffers;
using System.Text;
using NeuroPilot.Edge.Http1;

namespace NeuroPilot.Edge.Tests.Http1;

/// <summary>
/// The request head parser rule by rule (RFC 9112, RFC 9110), including the smuggling corpus of issue 13: CL+TE,
/// TE+CL, duplicate CL, <c>chunked, identity</c>, <c>xchunked</c>, obs-fold, bare CR, bare LF, NUL, oversized
/// lines and heads, absolute-form, two Hosts, pipelined requests.
/// </summary>
public sealed class Http1RequestParserTests
{
    private const string Get = "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: test\r\n\r\n";

    [Fact]
    public void Parse_SimpleGet_CompleteWithRequestLineHostAndNoBody()
    {
        var (result, head) = Parse(Get);

        Assert.Equal(Http1ParseStatus.Complete, result.Status);
        Assert.Equal(Get.Length, result.Consumed);
        Assert.Equal(Http1Method.Get, head.Method);
        Assert.Equal("GET", Text(head.MethodBytes));
        Assert.Equal("/index.html?q=1", Text(head.Target));
        Assert.Equal(Http1TargetForm.Origin, head.TargetForm);
        Assert.Equal(1, head.VersionMinor);
        Assert.Equal("example.com", Text(head.Host));
        Assert.Equal(Http1BodyKind.None, head.BodyKind);
        Assert.True(head.KeepAlive);
        Assert.Equal(2, head.FieldCount);
        Assert.Equal("User-Agent", Text(head.NameAt(1)));
        Assert.Equal("test", Text(head.ValueAt(1)));
        Assert.Equal(Get, Text(head.Raw));
    }

    [Fact]
    public void Parse_EveryStrictPrefix_NeedsMoreDataAndConsumesNothing()
    {
        for (var length = 0; length < Get.Length; length++)
        {
            var (result, _) = Parse(Get[..length]);
            Assert.Equal(Http1ParseStatus.NeedMoreData, result.Status);
            Assert.Equal(0, result.Consumed);
        }
    }

    [Fact]
    public void Parse_PipelinedRequests_ConsumesExactlyTheFirstAndLeavesTheNext()
    {
        const string second = "POST /b HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\n\r\nabc";
        var parser = new Http1RequestParser();
        using var head = new Http1RequestHead();
        var buffer = Http1Input.Whole(Get + second);

        var first = parser.Parse(buffer, head);
        Assert.Equal(Http1ParseStatus.Complete, first.Status);
        Assert.Equal(Get.Length, first.Consumed);
        Assert.Equal("/index.html?q=1", Text(head.Target));

        var next = parser.Parse(buffer.Slice(first.Consumed), head);
        Assert.Equal(Http1ParseStatus.Complete, next.Status);
        Assert.Equal(second.Length - 3, next.Consumed);
        Assert.Equal(Http1Method.Post, head.Method);
        Assert.Equal(3, head.ContentLength);
    }

    [Fact]
    public void Parse_HeadArrivingByteByByte_CompletesOnTheLastByte()
    {
        var bytes = Http1Input.Bytes(Get);
        var parser = new Http1RequestParser();
        using var head = new Http1RequestHead();
        for (var length = 1; length < bytes.Length; length++)
        {
            Assert.Equal(Http1ParseStatus.NeedMoreData, parser.Parse(new ReadOnlySequence<byte>(bytes, 0, length), head).Status);
        }

        Assert.Equal(Http1ParseResult.Complete(bytes.Length), parser.Parse(new ReadOnlySequence<byte>(bytes), head));
        Assert.Equal("example.com", Text(head.Host));
    }

    [Fact]
    public void Parse_EmptyLinesBeforeTheRequestLine_AreSkipped()
    {
        var (result, head) = Parse("\r\n\r\n" + Get);

        Assert.Equal(Http1ParseResult.Complete(Get.Length + 4), result);
        Assert.Equal(Get, Text(head.Raw));
    }

    // --- request-line ---

    [Theory]
    [InlineData("G(T / HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData(" GET / HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("GÉT / HTTP/1.1\r\nHost: a\r\n\r\n")]
    public void Parse_MethodNotAToken_Refused400(string request) => AssertRefused(request, 400);

    [Theory]
    [InlineData("GET  / HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("GET /  HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("GET / HTTP/1.1 \r\nHost: a\r\n\r\n")]
    [InlineData("GET /\r\nHost: a\r\n\r\n")]
    [InlineData("GET / a HTTP/1.1\r\nHost: a\r\n\r\n")]
    public void Parse_RequestLineNotSingleSpaced_Refused400(string request) => AssertRefused(request, 400);

    [Fact]
    public void Parse_UnknownMethodToken_AcceptedAsOther()
    {
        var (result, head) = Parse("PURGE /x HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Equal(Http1ParseStatus.Complete, result.Status);
        Assert.Equal(Http1Method.Other, head.Method);
        Assert.Equal("PURGE", Text(head.MethodBytes));
    }

    [Fact]
    public void Parse_LowercaseMethod_IsADifferentMethod() =>
        Assert.Equal(Http1Method.Other, Parse("get / HTTP/1.1\r\nHost: a\r\n\r\n").Head.Method);

    [Theory]
    [InlineData("GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("GET /a\u007Fb HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("GET /caf\u00E9 HTTP/1.1\r\nHost: a\r\n\r\n")]
    public void Parse_TargetWithControlOrNonAsciiByte_Refused400(string request) => AssertRefused(request, 400);

    [Fact]
    public void Parse_AsteriskFormWithOptions_Accepted()
    {
        var (result, head) = Parse("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Equal(Http1ParseStatus.Complete, result.Status);
        Assert.Equal(Http1TargetForm.Asterisk, head.TargetForm);
    }

    [Fact]
    public void Parse_AsteriskFormWithGet_Refused400() => AssertRefused("GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400);

    [Fact]
    public void Parse_AbsoluteForm_HostComesFromTheTargetNotTheHostField()
    {
        var (result, head) = Parse("GET http://api.example.com:8080/v1?x=1 HTTP/1.1\r\nHost: other.example\r\n\r\n");

        Assert.Equal(Http1ParseStatus.Complete, result.Status);
        Assert.Equal(Http1TargetForm.Absolute, head.TargetForm);
        Assert.Equal("api.example.com:8080", Text(head.Host));
        Assert.Equal("http://api.example.com:8080/v1?x=1", Text(head.Target));
    }

    [Theory]
    [InlineData("HTTPS://a.example")]
    [InlineData("http://a.example?x")]
    [InlineData("http://[::1]:80/")]
    public void Parse_AbsoluteFormVariants_Accepted(string target) =>
        Assert.Equal(Http1TargetForm.Absolute, Parse($"GET {target} HTTP/1.1\r\nHost: a\r\n\r\n").Head.TargetForm);

    [Theory]
    [InlineData("http://user@a.example/")]
    [InlineData("ftp://a.example/")]
    [InlineData("http:///path")]
    [InlineData("http://a.example:99999/")]
    [InlineData("example.com/path")]
    public void Parse_AbsoluteFormWithUserinfoOtherSchemeOrBadAuthority_Refused400(string target) =>
        AssertRefused($"GET {target} HTTP/1.1\r\nHost: a\r\n\r\n", 400);

    [Fact]
    public void Parse_AbsoluteFormStillNeedsOneHostInHttp11_Refused400() =>
        AssertRefused("GET http://a.example/ HTTP/1.1\r\n\r\n", 400);

    [Fact]
    public void Parse_ConnectAuthorityForm_Refused405() => AssertRefused("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n", 405);

    [Fact]
    public void Parse_AuthorityFormWithoutConnect_Refused400() => AssertRefused("GET a.example:443 HTTP/1.1\r\nHost: a\r\n\r\n", 400);

    [Fact]
    public void Parse_Http10WithoutHost_AcceptedNotKeepAlive()
    {
        var (result, head) = Parse("GET / HTTP/1.0\r\n\r\n");

        Assert.Equal(Http1ParseStatus.Complete, result.Status);
        Assert.Equal(0, head.VersionMinor);
        Assert.False(head.HasHost);
        Assert.False(head.KeepAlive);
    }

    [Theory]
    [InlineData("HTTP/2.0")]
    [InlineData("HTTP/1.2")]
    [InlineData("HTTP/0.9")]
    [InlineData("HTTP/3.0")]
    public void Parse_OtherHttpVersion_Refused505(string version) => AssertRefused($"GET / {version}\r\nHost: a\r\n\r\n", 505);

    [Theory]
    [InlineData("http/1.1")]
    [InlineData("HTTP/1.10")]
    [InlineData("HTTP/1")]
    [InlineData("HTTP/1.x")]
    [InlineData("HTTPS/1.1")]
    public void Parse_MalformedHttpVersion_Refused400(string version) => AssertRefused($"GET / {version}\r\nHost: a\r\n\r\n", 400);

    // --- limits ---

    [Fact]
    public void Parse_RequestLineOverTheLimit_Refused414()
    {
        var options = new Http1ParserOptions { MaxRequestLineLength = 64 };
        var request = $"GET /{new string('a', 60)} HTTP/1.1\r\nHost: a\r\n\r\n";

        AssertRefused(request, 414, options);
        AssertRefused(request[..70], 414, options); // refused before the line ends
    }

    [Fact]
    public void Parse_RequestLineAtTheLimit_Accepted()
    {
        var options = new Http1ParserOptions { MaxRequestLineLength = 64 };
        var line = $"GET /{new string('a', 64 - 14)} HTTP/1.1";
        Assert.Equal(64, line.Length);

        Assert.Equal(Http1ParseStatus.Complete, Parse(line + "\r\nHost: a\r\n\r\n", options).Result.Status);
    }

    [Fact]
    public void Parse_HeadOverTheSizeLimit_Refused431()
    {
        var options = new Http1ParserOptions { MaxHeadSize = 256 };
        var request = $"GET / HTTP/1.1\r\nHost: a\r\nX-Big: {new string('b', 300)}\r\n\r\n";

        AssertRefused(request, 431, options);
        AssertRefused(request[..280], 431, options); // refused before the head ends
    }

    [Fact]
    public void Parse_HeadOfExactlyTheSizeLimit_Accepted()
    {
        var request = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        var options = new Http1ParserOptions { MaxHeadSize = request.Length };

        Assert.Equal(Http1ParseStatus.Complete, Parse(request, options).Result.Status);
        AssertRefused(request, 431, new Http1ParserOptions { MaxHeadSize = request.Length - 1 });
    }

    [Fact]
    public void Parse_MoreFieldsThanTheLimit_Refused431()
    {
        var options = new Http1ParserOptions { MaxFieldCount = 5 };

        Assert.Equal(Http1ParseStatus.Complete, Parse(WithFields(4), options).Result.Status); // Host + 4
        AssertRefused(WithFields(5), 431, options);

        static string WithFields(int extra) =>
            "GET / HTTP/1.1\r\nHost: a\r\n" + string.Concat(Enumerable.Range(0, extra).Select(i => $"X-{i}: v\r\n")) + "\r\n";
    }

    [Fact]
    public void Parse_DefaultLimits_AreEightKibLineThirtyTwoKibHeadHundredFields()
    {
        AssertRefused($"GET /{new string('a', 8 * 1024)} HTTP/1.1\r\nHost: a\r\n\r\n", 414);
        AssertRefused($"GET / HTTP/1.1\r\nHost: a\r\nX: {new string('a', 32 * 1024)}\r\n\r\n", 431);
        AssertRefused("GET / HTTP/1.1\r\nHost: a\r\n" + string.Concat(Enumerable.Range(0, 100).Select(i => $"X-{i}: v\r\n")) + "\r\n", 431);
    }

    // --- field syntax ---

    [Theory]
    [InlineData("Host : a")]
    [InlineData("Host\t: a")]
    public void Parse_WhitespaceBeforeTheColon_Refused400(string field) => AssertRefused($"GET / HTTP/1.1\r\n{field}\r\n\r\n", 400);

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n two\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n\ttwo\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\n Host: a\r\n\r\n")]
    public void Parse_ObsFoldOrWhitespaceBeforeAFieldLine_Refused400(string request) => AssertRefused(request, 400);

    [Fact]
    public void Parse_ObsFoldHidingTransferEncoding_Refused400() =>
        AssertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nX-A: b\r\n Transfer-Encoding: chunked\r\n\r\n", 400);

    [Theory]
    [InlineData("X-A: a\0b")]
    [InlineData("X-A: a\rb")]
    [InlineData("X-A: a\u007Fb")]
    [InlineData("X-A: a\u0001b")]
    [InlineData("X\0A: b")]
    public void Parse_NulBareCrOrControlInAField_Refused400(string field) => AssertRefused($"GET / HTTP/1.1\r\nHost: a\r\n{field}\r\n\r\n", 400);

    [Theory]
    [InlineData("GET / HTTP/1.1\nHost: a\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\nContent-Length: 5\r\n\r\n")]
    public void Parse_BareLf_Refused400(string request) => AssertRefused(request, 400);

    [Theory]
    [InlineData("GET / HTTP/1.1\rHost: a\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rContent-Length: 5\r\n\r\n")]
    public void Parse_BareCr_Refused400(string request) => AssertRefused(request, 400);

    [Theory]
    [InlineData("NoColon")]
    [InlineData(": empty-name")]
    [InlineData("X(A): b")]
    [InlineData("X\"A: b")]
    public void Parse_FieldLineWithoutATokenNameAndColon_Refused400(string field) => AssertRefused($"GET / HTTP/1.1\r\nHost: a\r\n{field}\r\n\r\n", 400);

    [Fact]
    public void Parse_FieldValueWhitespace_IsTrimmedAndInnerWhitespaceKept()
    {
        var (_, head) = Parse("GET / HTTP/1.1\r\nHost:a\r\nX-A: \t one  two \t\r\nX-B:\r\nX-C:   \r\n\r\n");

        Assert.Equal("a", Text(head.ValueAt(0)));
        Assert.Equal("one  two", Text(head.ValueAt(1)));
        Assert.Equal("", Text(head.ValueAt(2)));
        Assert.Equal("", Text(head.ValueAt(3)));
    }

    [Fact]
    public void Parse_ObsTextInAFieldValue_Accepted() =>
        Assert.Equal("caf\u00E9", Text(Parse("GET / HTTP/1.1\r\nHost: a\r\nX-A: caf\u00E9\r\n\r\n").Head.ValueAt(1)));

    [Fact]
    public void Parse_KnownFieldNamesInAnyCase_AreRecognized()
    {
        var (_, head) = Parse("POST / HTTP/1.1\r\nhOsT: a\r\ncontent-LENGTH: 0\r\nCONNECTION: x\r\nexpect: 100-continue\r\nUPGRADE: y\r\n"
            + "te: trailers\r\nKeep-alive: timeout=5\r\nproxy-connection: close\r\nX-Host: b\r\n\r\n");

        Http1KnownHeader[] expected =
        [
            Http1KnownHeader.Host, Http1KnownHeader.ContentLength, Http1KnownHeader.Connection, Http1KnownHeader.Expect,
            Http1KnownHeader.Upgrade, Http1KnownHeader.TE, Http1KnownHeader.KeepAlive, Http1KnownHeader.ProxyConnection,
            Http1KnownHeader.None,
        ];
        Assert.Equal(expected, Enumerable.Range(0, head.FieldCount).Select(i => head.FieldAt(i).Known));
        Assert.Equal(1, head.IndexOf(Http1KnownHeader.ContentLength));
        Assert.Equal(-1, head.IndexOf(Http1KnownHeader.TransferEncoding));
    }

    // --- Host ---

    [Fact]
    public void Parse_Http11WithoutHost_Refused400() => AssertRefused("GET / HTTP/1.1\r\nX-A: b\r\n\r\n", 400);

    [Theory]
    [InlineData("Host: a\r\nHost: b")]
    [InlineData("Host: a\r\nHost: a")]
    [InlineData("Host: a\r\nhost: b")]
    public void Parse_TwoHosts_Refused400(string hosts)
    {
        AssertRefused($"GET / HTTP/1.1\r\n{hosts}\r\n\r\n", 400);
        AssertRefused($"GET / HTTP/1.0\r\n{hosts}\r\n\r\n", 400);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("user@a")]
    [InlineData("a:12x")]
    [InlineData("[::1")]
    [InlineData("a, b")]
    public void Parse_HostNotUriHostAndPort_Refused400(string host) => AssertRefused($"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n", 400);

    [Theory]
    [InlineData("a.example:8080")]
    [InlineData("[2001:db8::1]:443")]
    [InlineData("127.0.0.1")]
    [InlineData("xn--bcher-kva.example")]
    [InlineData("")]
    public void Parse_ValidHost_Accepted(string host) => Assert.Equal(host, Text(Parse($"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n").Head.Host));

    // --- body framing: Content-Length ---

    [Fact]
    public void Parse_ContentLength_BodyOfThatLength()
    {
        var (_, head) = Parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0012\r\n\r\n");

        Assert.Equal(Http1BodyKind.ContentLength, head.BodyKind);
        Assert.Equal(12, head.ContentLength);
    }

    [Theory]
    [InlineData("+5")]
    [InlineData("-5")]
    [InlineData("5 5")]
    [InlineData("5, 5")]
    [InlineData("0x10")]
    [InlineData("1e3")]
    [InlineData("")]
    [InlineData("9223372036854775808")]
    [InlineData("99999999999999999999999")]
    public void Parse_ContentLengthNotDigitsOrOverflowing_Refused400(string value) =>
        AssertRefused($"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: {value}\r\n\r\n", 400);

    [Fact]
    public void Parse_ContentLengthOfLongMaxValue_Accepted() =>
        Assert.Equal(long.MaxValue, Parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775807\r\n\r\n").Head.ContentLength);

    [Theory]
    [InlineData("Content-Length: 5\r\nContent-Length: 5")]
    [InlineData("Content-Length: 5\r\nContent-Length: 6")]
    [InlineData("Content-Length: 5\r\ncontent-length: 5")]
    public void Parse_DuplicateContentLengthEvenIdentical_Refused400(string fields) =>
        AssertRefused($"POST / HTTP/1.1\r\nHost: a\r\n{fields}\r\n\r\nhello", 400);

    // --- body framing: Transfer-Encoding ---

    [Theory]
    [InlineData("chunked")]
    [InlineData("Chunked")]
    [InlineData("CHUNKED")]
    [InlineData("chunked ")]
    [InlineData("  chunked\t")]
    [InlineData(", chunked")]
    [InlineData("chunked ,")]
    public void Parse_TransferEncodingChunkedInAnyCaseOrSpacing_BodyIsChunked(string value)
    {
        var (result, head) = Parse($"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: {value}\r\n\r\n");

        Assert.Equal(Http1ParseStatus.Complete, result.Status);
        Assert.Equal(Http1BodyKind.Chunked, head.BodyKind);
    }

    [Theory]
    [InlineData("chunked, identity")]
    [InlineData("identity")]
    [InlineData("xchunked")]
    [InlineData("chunkedx")]
    [InlineData("chunked;foo=bar")]
    [InlineData("chunk ed")]
    [InlineData("\"chunked\"")]
    [InlineData("gzip")]
    public void Parse_TransferEncodingNotEndingInChunked_Refused400(string value) =>
        AssertRefused($"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: {value}\r\n\r\n", 400);

    [Theory]
    [InlineData("Transfer-Encoding: chunked, chunked")]
    [InlineData("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked")]
    [InlineData("Transfer-Encoding: chunked\r\nTransfer-Encoding: identity")]
    [InlineData("Transfer-Encoding:\r\nX-A: b")]
    public void Parse_TransferEncodingChunkedTwiceOrEmpty_Refused400(string fields) =>
        AssertRefused($"POST / HTTP/1.1\r\nHost: a\r\n{fields}\r\n\r\n", 400);

    [Theory]
    [InlineData("Transfer-Encoding: gzip, chunked")]
    [InlineData("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked")]
    public void Parse_OtherTransferCodingBeforeChunked_Refused501(string fields) =>
        AssertRefused($"POST / HTTP/1.1\r\nHost: a\r\n{fields}\r\n\r\n", 501);

    [Theory]
    [InlineData("Content-Length: 4\r\nTransfer-Encoding: chunked")]
    [InlineData("Transfer-Encoding: chunked\r\nContent-Length: 4")]
    [InlineData("Transfer-Encoding: chunked\r\nContent-Length: 0")]
    public void Parse_ContentLengthAndTransferEncodingTogether_Refused400(string fields) =>
        AssertRefused($"POST / HTTP/1.1\r\nHost: a\r\n{fields}\r\n\r\n0\r\n\r\n", 400);

    [Fact]
    public void Parse_TransferEncodingInHttp10_Refused400() =>
        AssertRefused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400);

    // --- Expect, keep-alive, upgrade ---

    [Theory]
    [InlineData("100-continue")]
    [InlineData("100-Continue")]
    public void Parse_Expect100Continue_Flagged(string value) =>
        Assert.True(Parse($"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: {value}\r\n\r\n").Head.ExpectContinue);

    [Fact]
    public void Parse_OtherExpectation_Refused417() => AssertRefused("POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", 417);

    [Fact]
    public void Parse_ExpectInHttp10_Ignored()
    {
        var (result, head) = Parse("POST / HTTP/1.0\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\n");

        Assert.Equal(Http1ParseStatus.Complete, result.Status);
        Assert.False(head.ExpectContinue);
    }

    [Theory]
    [InlineData("1.1", "", true)]
    [InlineData("1.1", "Connection: close\r\n", false)]
    [InlineData("1.1", "Connection: keep-alive, CLOSE\r\n", false)]
    [InlineData("1.1", "Connection: x\r\nConnection: close\r\n", false)]
    [InlineData("1.0", "", false)]
    [InlineData("1.0", "Connection: Keep-Alive\r\n", true)]
    [InlineData("1.0", "Connection: keep-alive, close\r\n", false)]
    public void Parse_ConnectionOptionsAndVersion_DecideKeepAlive(string version, string fields, bool keepAlive) =>
        Assert.Equal(keepAlive, Parse($"GET / HTTP/{version}\r\nHost: a\r\n{fields}\r\n").Head.KeepAlive);

    [Fact]
    public void Parse_ConnectionOptionNotAToken_Refused400() => AssertRefused("GET / HTTP/1.1\r\nHost: a\r\nConnection: \"close\"\r\n\r\n", 400);

    [Theory]
    [InlineData("1.1", "Upgrade: websocket\r\nConnection: Upgrade\r\n", true)]
    [InlineData("1.1", "Upgrade: websocket\r\n", false)]
    [InlineData("1.1", "Connection: upgrade\r\n", false)]
    [InlineData("1.0", "Upgrade: websocket\r\nConnection: upgrade\r\n", false)]
    public void Parse_UpgradeFieldAndConnectionOption_FlagUpgrade(string version, string fields, bool upgrade) =>
        Assert.Equal(upgrade, Parse($"GET / HTTP/{version}\r\nHost: a\r\n{fields}\r\n").Head.IsUpgrade);

    // --- never throws, allocates nothing ---

    [Fact]
    public void Parse_RefusedHead_LeavesTheHeadEmpty()
    {
        var (result, head) = Parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");

        Assert.Equal(Http1ParseStatus.Refused, result.Status);
        Assert.Equal(0, head.FieldCount);
        Assert.True(head.Raw.IsEmpty);
    }

    [Fact]
    public void Parse_BrowserSizedHeadOnAWarmHead_AllocatesNothing()
    {
        var buffer = Http1Input.Whole(BrowserRequest);
        var parser = new Http1RequestParser();
        using var head = new Http1RequestHead();
        Assert.Equal(Http1ParseStatus.Complete, parser.Parse(buffer, head).Status);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            parser.Parse(buffer, head);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    internal const string BrowserRequest =
        "GET /api/v1/orders/12345?include=items&sort=desc HTTP/1.1\r\n"
        + "Host: shop.example.com\r\n"
        + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n"
        + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n"
        + "Accept-Language: en-US,en;q=0.9\r\n"
        + "Accept-Encoding: gzip, deflate, br, zstd\r\n"
        + "Connection: keep-alive\r\n"
        + "Cookie: session=8f14e45fceea167a5a36dedd4bea2543; theme=dark; _ga=GA1.1.123456789.1700000000\r\n"
        + "Referer: https://shop.example.com/orders\r\n"
        + "Sec-Fetch-Dest: document\r\n"
        + "Sec-Fetch-Mode: navigate\r\n"
        + "Sec-Fetch-Site: same-origin\r\n"
        + "Upgrade-Insecure-Requests: 1\r\n"
        + "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"
        + "\r\n";

    private static (Http1ParseResult Result, Http1RequestHead Head) Parse(string request, Http1ParserOptions? options = null)
    {
        var head = new Http1RequestHead();
        return (new Http1RequestParser(options).Parse(Http1Input.Whole(request), head), head);
    }

    private static void AssertRefused(string request, int statusCode, Http1ParserOptions? options = null)
    {
        var (result, _) = Parse(request, options);
        Assert.True(result.Status == Http1ParseStatus.Refused && result.StatusCode == statusCode,
            $"expected Refused {statusCode}, got {result.Status} {result.StatusCode} ({result.Reason}) for {Escape(request)}");
    }

    private static string Escape(string text) => text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal);

    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
}

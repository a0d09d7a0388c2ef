using System.Globalization;
using System.Text;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// The cases <see cref="EngineDifferentialTests"/> sends through both engines: client requests (this file's valid and
/// odd-but-legal ones, then the whole hostile corpus of <see cref="HostileClientTests"/>) and upstream responses.
/// Every request carries <c>X-Case: NAME #1</c>; a request hidden in another's body targets <c>/smuggled</c>.
/// </summary>
internal static class EngineDifferentialCorpus
{
    /// <summary>Before the names of the cases taken from the hostile corpus (their <c>X-Case</c> carries the name without it).</summary>
    public const string HostilePrefix = "hostile: ";

    /// <summary>Every client request case: name and the exact bytes (Latin-1) sent in one write on a new connection.</summary>
    public static List<(string Name, string Payload)> Requests(int upstreamPort)
    {
        List<(string Name, string Payload)> cases = [];
        void Add(string name, Func<string, string> payload) => cases.Add((name, payload($"Host: edge.test\r\nX-Case: {name} #1\r\n")));

        // Methods.
        Add("GET", h => $"GET /get HTTP/1.1\r\n{h}\r\n");
        Add("HEAD", h => $"HEAD /head HTTP/1.1\r\n{h}\r\n");
        Add("POST with Content-Length", h => $"POST /post HTTP/1.1\r\n{h}Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello");
        Add("PUT with Content-Length", h => $"PUT /put HTTP/1.1\r\n{h}Content-Length: 5\r\n\r\nhello");
        Add("PATCH with Content-Length", h => $"PATCH /patch HTTP/1.1\r\n{h}Content-Length: 5\r\n\r\nhello");
        Add("DELETE", h => $"DELETE /delete HTTP/1.1\r\n{h}\r\n");
        Add("DELETE with a body", h => $"DELETE /delete HTTP/1.1\r\n{h}Content-Length: 5\r\n\r\nhello");
        Add("OPTIONS on a path", h => $"OPTIONS /options HTTP/1.1\r\n{h}\r\n");
        Add("TRACE", h => $"TRACE /trace HTTP/1.1\r\n{h}\r\n");
        Add("extension method PURGE", h => $"PURGE /purge HTTP/1.1\r\n{h}\r\n");
        Add("lower-case method get", h => $"get /lower HTTP/1.1\r\n{h}\r\n");

        // Empty bodies.
        Add("POST without a body", h => $"POST /post HTTP/1.1\r\n{h}\r\n");
        Add("POST with Content-Length: 0", h => $"POST /post HTTP/1.1\r\n{h}Content-Length: 0\r\n\r\n");
        Add("PUT without a body", h => $"PUT /put HTTP/1.1\r\n{h}\r\n");
        Add("GET with Content-Length: 0", h => $"GET /get HTTP/1.1\r\n{h}Content-Length: 0\r\n\r\n");
        Add("GET with a body", h => $"GET /get HTTP/1.1\r\n{h}Content-Length: 5\r\n\r\nhello");
        Add("POST chunked, empty", h => $"POST /post HTTP/1.1\r\n{h}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");

        // Bodies.
        Add("POST chunked, three chunks", h => $"POST /post HTTP/1.1\r\n{h}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n");
        Add("POST chunked, extension and trailer", h =>
            $"POST /post HTTP/1.1\r\n{h}Transfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n5;name=value\r\nhello\r\n0\r\nX-Sum: 5\r\n\r\n");
        Add("POST chunked, upper-case hex size", h => $"POST /post HTTP/1.1\r\n{h}Transfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n");
        Add("POST Content-Length: 005 (leading zeros)", h => $"POST /post HTTP/1.1\r\n{h}Content-Length: 005\r\n\r\nhello");
        Add("POST 100 KiB Content-Length (past the replay buffer)", h => $"POST /big HTTP/1.1\r\n{h}Content-Length: {100 * 1024}\r\n\r\n{new string('x', 100 * 1024)}");
        Add("POST 100 KiB chunked", h =>
            $"POST /big HTTP/1.1\r\n{h}Transfer-Encoding: chunked\r\n\r\n{string.Concat(Enumerable.Repeat($"4000\r\n{new string('y', 0x4000)}\r\n", 6))}0\r\n\r\n");
        Add("Expect: 100-continue with a body", h => $"POST /post HTTP/1.1\r\n{h}Expect: 100-continue\r\nContent-Length: 5\r\n\r\nhello");
        Add("Expect: 100-continue without a body", h => $"GET /get HTTP/1.1\r\n{h}Expect: 100-continue\r\n\r\n");
        Add("TE: gzip, chunked", h => $"POST /post HTTP/1.1\r\n{h}Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");

        // Targets.
        Add("query string", h => $"GET /q?a=1&b=%20x&c=&d=%E2%82%AC HTTP/1.1\r\n{h}\r\n");
        Add("empty query", h => $"GET /q? HTTP/1.1\r\n{h}\r\n");
        Add("percent-encoded path", h => $"GET /a%20b/%41%7e/c%2Fd HTTP/1.1\r\n{h}\r\n");
        Add("percent-encoded UTF-8 path", h => $"GET /caf%C3%A9/%E2%82%AC HTTP/1.1\r\n{h}\r\n");
        Add("raw UTF-8 query", h => Latin1OfUtf8($"GET /q?name=café HTTP/1.1\r\n{h}\r\n"));
        Add("raw UTF-8 path", h => Latin1OfUtf8($"GET /café/€ HTTP/1.1\r\n{h}\r\n"));
        Add("path with reserved characters", h => $"GET /a;b=c/d:e@f!$&'()*+,= HTTP/1.1\r\n{h}\r\n");
        Add("dot segments", h => $"GET /a/./b/../c HTTP/1.1\r\n{h}\r\n");
        Add("double slashes", h => $"GET //a//b/ HTTP/1.1\r\n{h}\r\n");
        Add("percent-encoded dot segment", h => $"GET /a/%2e%2e/b HTTP/1.1\r\n{h}\r\n");
        Add("invalid percent escape", h => $"GET /a%zzb HTTP/1.1\r\n{h}\r\n");

        // Header fields.
        Add("50 headers", h => $"GET /many HTTP/1.1\r\n{h}{Many(50)}\r\n");
        Add("repeated header", h => $"GET /rep HTTP/1.1\r\n{h}X-Rep: a\r\nX-Rep: b\r\nX-Rep: c, d\r\n\r\n");
        Add("Cookie twice", h => $"GET /cookie HTTP/1.1\r\n{h}Cookie: a=1\r\nCookie: b=2\r\n\r\n");
        Add("Connection nominates a header", h => $"GET /conn HTTP/1.1\r\n{h}Connection: keep-alive, X-Drop\r\nX-Drop: 1\r\nX-Keep: 1\r\n\r\n");
        Add("hop-by-hop headers", h =>
            $"GET /hop HTTP/1.1\r\n{h}Keep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nProxy-Authorization: Basic eDp5\r\nUpgrade-Insecure-Requests: 1\r\n\r\n");
        Add("Upgrade without Connection: upgrade", h => $"GET /upgrade HTTP/1.1\r\n{h}Upgrade: h2c\r\n\r\n");
        Add("X-Forwarded-* from an untrusted client", h =>
            $"GET /xff HTTP/1.1\r\n{h}X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil.test\r\nX-Real-IP: 203.0.113.9\r\nForwarded: for=203.0.113.9\r\n\r\n");
        Add("traceparent from the client", h => $"GET /trace HTTP/1.1\r\n{h}traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\ntracestate: a=b\r\n\r\n");
        Add("header value with Latin-1 bytes", h => $"GET /latin1 HTTP/1.1\r\n{h}X-Name: caf\u00e9\r\n\r\n");
        Add("header value with UTF-8 bytes", h => Latin1OfUtf8($"GET /utf8 HTTP/1.1\r\n{h}X-Name: café €\r\n\r\n"));
        Add("empty header value", h => $"GET /empty HTTP/1.1\r\n{h}X-Empty:\r\nX-Empty2: \r\n\r\n");
        Add("whitespace around a value", h => $"GET /ws HTTP/1.1\r\n{h}X-Ws: \t a b \t\r\n\r\n");
        Add("header value of 8,000 bytes", h => $"GET /long HTTP/1.1\r\n{h}X-Long: {new string('l', 8_000)}\r\n\r\n");
        Add("Host with a port", _ => "GET /port HTTP/1.1\r\nHost: edge.test:8080\r\nX-Case: Host with a port #1\r\n\r\n");
        Add("Host in upper case", _ => "GET /upper HTTP/1.1\r\nHost: EDGE.Test\r\nX-Case: Host in upper case #1\r\n\r\n");
        Add("Host as an IP address", _ => "GET /ip HTTP/1.1\r\nHost: 192.0.2.1\r\nX-Case: Host as an IP address #1\r\n\r\n");
        Add("lower-case header names", _ => "GET /lower HTTP/1.1\r\nhost: edge.test\r\nx-case: lower-case header names #1\r\ncontent-length: 0\r\n\r\n");

        // Connection management.
        Add("Connection: close", h => $"GET /close HTTP/1.1\r\n{h}Connection: close\r\n\r\n");
        Add("HTTP/1.0 without keep-alive", h => $"GET /v10 HTTP/1.0\r\n{h}\r\n");
        Add("HTTP/1.0 keep-alive, two requests", h => $"GET /v10a HTTP/1.0\r\n{h}Connection: keep-alive\r\n\r\nGET /v10b HTTP/1.0\r\n{h}Connection: keep-alive\r\n\r\n");
        Add("HTTP/1.0 POST with a body", h => $"POST /v10 HTTP/1.0\r\n{h}Content-Length: 5\r\n\r\nhello");
        Add("three pipelined GETs", h => $"GET /p1 HTTP/1.1\r\n{h}\r\nGET /p2 HTTP/1.1\r\n{h}\r\nGET /p3 HTTP/1.1\r\n{h}\r\n");
        Add("pipelined POST then GET", h => $"POST /p1 HTTP/1.1\r\n{h}Content-Length: 5\r\n\r\nhelloGET /p2 HTTP/1.1\r\n{h}\r\n");
        Add("pipelined chunked POST then GET", h => $"POST /p1 HTTP/1.1\r\n{h}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /p2 HTTP/1.1\r\n{h}\r\n");
        Add("pipelined GET then Connection: close, then a GET never answered", h =>
            $"GET /p1 HTTP/1.1\r\n{h}\r\nGET /p2 HTTP/1.1\r\n{h}Connection: close\r\n\r\nGET /p3 HTTP/1.1\r\n{h}\r\n");

        foreach (var hostile in HostileClientTests.Payloads(upstreamPort))
        {
            cases.Add(($"{HostilePrefix}{hostile.Name}", hostile.Payload));
        }

        return cases;
    }

    /// <summary>Every upstream response case: what the client asks (method) and the raw bytes the upstream answers.</summary>
    public static List<ResponseCase> Responses() =>
    [
        new("200 with Content-Length", "HTTP/1.1 200 OK\r\nX-Resp: a\r\nContent-Length: 5\r\n\r\nhello"),
        new("200 chunked with trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"),
        new("200 close-delimited", "HTTP/1.1 200 OK\r\nX-Resp: a\r\n\r\nhello", Close: true),
        new("200 with Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello", Close: true),
        new("HTTP/1.0 200 with Content-Length", "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
        new("HTTP/1.0 200 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 5\r\n\r\nhello"),
        new("HEAD answered with Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", Method: "HEAD"),
        new("HEAD answered with Transfer-Encoding: chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", Method: "HEAD"),
        new("204 with Transfer-Encoding: chunked", "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        new("Content-Length: 005 (leading zeros)", "HTTP/1.1 200 OK\r\nContent-Length: 005\r\n\r\nhello"),
        new("Content-Length: +5", "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello"),
        new("Content-Length: 5, 5 (a list)", "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello"),
        new("status 999", "HTTP/1.1 999 Odd\r\nContent-Length: 5\r\n\r\nhello"),
        new("100 Continue, then the connection closes", "HTTP/1.1 100 Continue\r\n\r\n", Close: true),
        new("204 with Content-Length: 0", "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"),
        new("204 with Content-Length: 5 and a body", "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello"),
        new("304 with Content-Length", "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\nContent-Length: 5\r\n\r\n"),
        new("103 then 200", "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
        new("100 unasked then 200", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
        new("unasked 101", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: upgrade\r\n\r\n"),
        new("status line with letters", "HTTP/1.1 abc Broken\r\nContent-Length: 5\r\n\r\nhello"),
        new("status line without a reason", "HTTP/1.1 200\r\nContent-Length: 5\r\n\r\nhello"),
        new("status line HTTP/2.0", "HTTP/2.0 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
        new("not HTTP at all", "hello world\r\n\r\n"),
        new("CL+TE", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
        new("duplicate Content-Length, same value", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"),
        new("duplicate Content-Length, different values", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
        new("Content-Length: abc", "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nhello", Close: true),
        new("bare LF line endings", "HTTP/1.1 200 OK\nContent-Length: 5\n\nhello"),
        new("obs-fold", "HTTP/1.1 200 OK\r\nX-Fold: a\r\n b\r\nContent-Length: 5\r\n\r\nhello"),
        new("space before the colon", "HTTP/1.1 200 OK\r\nX-A : b\r\nContent-Length: 5\r\n\r\nhello"),
        new("NUL in a header value", "HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 5\r\n\r\nhello"),
        new("header of 100 KiB", $"HTTP/1.1 200 OK\r\nX-Huge: {new string('h', 100 * 1024)}\r\nContent-Length: 5\r\n\r\nhello"),
        new("chunk size not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"),
        new("a chunk, then a size that is not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\nworld\r\n0\r\n\r\n"),
        new("UTF-8 bytes in a header value", "HTTP/1.1 200 OK\r\nX-A: caf\u00c3\u00a9\r\nContent-Length: 5\r\n\r\nhello"),
        new("chunk size overflow", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nhello\r\n0\r\n\r\n"),
        new("Transfer-Encoding: gzip (not chunked)", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nhello", Close: true),
        new("closed mid-head", "HTTP/1.1 200 OK\r\nContent-Le", Close: true),
        new("closed mid-body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", Close: true),
        new("closed mid-chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nhello", Close: true),
        new("bytes after the body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA"),
        new("a second response after the body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled"),
        new("hop-by-hop response headers", "HTTP/1.1 200 OK\r\nConnection: X-Secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\nContent-Length: 5\r\n\r\nhello"),
    ];

    private static string Many(int count)
    {
        var headers = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            headers.Append(CultureInfo.InvariantCulture, $"X-Many-{i}: value {i}\r\n");
        }

        return headers.ToString();
    }

    /// <summary>The UTF-8 bytes of <paramref name="text"/>, as the Latin-1 string the payloads are written from.</summary>
    private static string Latin1OfUtf8(string text) => Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(text));

    /// <summary>One upstream response case: the client's method and the bytes the upstream answers (then closes, with <paramref name="Close"/>).</summary>
    internal sealed record ResponseCase(string Name, string Answer, bool Close = false, string Method = "GET");
}

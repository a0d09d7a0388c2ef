using System.Globalization;
using System.Text;
using NeuroPilot.Edge.Tests.TestKit;
using Xunit.Abstractions;
using static NeuroPilot.Edge.Tests.Functional.EngineDifferentialCorpus;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// Issue 13's differential corpus: the same raw client requests through two real edges that differ only in
/// <c>Edge.Engine</c> (fast, yarp), to one raw recording upstream, compared case by case: what the client gets
/// (statuses, bodies, whether the edge ended the connection) and the bytes each request arrives upstream with. Then
/// the same for upstream responses: what the client gets from each engine, and what became of the upstream
/// connection (kept for the next request, closed by the edge, closed by the upstream). Any difference fails the test
/// unless it is in <see cref="AcceptedDifferences"/> with its reason, and an entry there that no longer differs fails
/// it too. Whatever the engines agree on, neither may send upstream a request the client did not send as one.
/// </summary>
/// <remarks>
/// Normalized before comparing, and only this: header lines are sorted by name (keeping the order of lines with the
/// same name), because field order carries no meaning in HTTP (RFC 9110 5.3) except among fields of one name; the
/// <c>Host</c> value is the destination's, which is each edge's own port of the upstream; a chunked body is compared
/// by its data, extensions and trailers, not where it was cut into chunks (see <see cref="Dechunked"/>). Two things
/// are timing, not engine, and are left out: requests the upstream saw cut off (the edge aborted them; whether their
/// first bytes are read before the abort's RST arrives is a race, as Linux drops unread data on a reset, and a
/// server never acts on an incomplete request; they are still checked against the invariant and counted in the
/// table), and the bytes a client got before a reset (dropped the same way; the view says "reset").
/// </remarks>
public sealed class EngineDifferentialTests(EngineDifferentialFixture fixture, ITestOutputHelper output) : IClassFixture<EngineDifferentialFixture>
{
    /// <summary>How long the client waits for more after a complete response while the connection stays open.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Request cases sent at once (each on its own connections, one per edge): their requests are told apart upstream
    /// by their <c>X-Case</c>; a request that carries none of the batch's is a violation.
    /// </summary>
    private const int Batch = 6;

    private static readonly TimeSpan IdleDeadline = TimeSpan.FromSeconds(5);

    /// <summary>Client response headers compared in the upstream response cases (the rest are the edge's own, alike).</summary>
    private static readonly string[] ComparedHeaders = ["Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "X-Resp", "X-T", "X-Fold", "X-A", "X-Secret", "ETag", "Link", "Upgrade"];

    /// <summary>
    /// Every difference between the engines that is accepted, by case name, with the reason. A case that differs and is
    /// not here fails the test; a case here that no longer differs fails it too (delete its line).
    /// </summary>
    private static readonly Dictionary<string, string> AcceptedDifferences = new(StringComparer.Ordinal)
    {
        // Client requests: what the upstream receives.
        ["TRACE"] = ContentLengthZeroForAnyMethod,
        ["extension method PURGE"] = ContentLengthZeroForAnyMethod,
        ["GET with Content-Length: 0"] = ContentLengthZeroKept,
        ["lower-case header names"] = ContentLengthZeroKept,
        [$"{HostilePrefix}Connection: Content-Type"] = "YARP gives a bodiless GET that had a Content-Type an empty HttpContent, so HttpClient writes " +
            "Content-Length: 0 (the Content-Type itself is dropped by both, nominated by Connection); the fast engine writes no framing " +
            "for a request without a body. The same empty body either way (RFC 9112 6.3).",
        ["lower-case method get"] = "YARP's HttpMethod turns the known method \"get\" into \"GET\"; the fast engine forwards the method as the " +
            "client sent it. Methods are case-sensitive (RFC 9110 9.1): \"get\" is not GET, so rewriting it is YARP's quirk, not a rule.",

        // Upstream responses: what the client gets, and what becomes of the upstream connection.
        ["HTTP/1.0 200 with Content-Length"] = "An HTTP/1.0 response without keep-alive ends its connection (RFC 9112 9.3): the fast engine closes " +
            "it; HttpClient keeps it and sends the next request on it, which works here only because this upstream keeps it open.",
        ["CL+TE"] = StrictResponse,
        ["bare LF line endings"] = StrictResponse,
        ["obs-fold"] = StrictResponse,
        ["space before the colon"] = StrictResponse,
        ["NUL in a header value"] = StrictResponse,
        ["status 999"] = "Status codes are 100 to 599 (RFC 9110 15), and a client that gets another SHOULD treat it as a 5xx: the fast " +
            "engine answers 502 and drops the connection; HttpClient and Kestrel relay 999 as it came.",
        ["duplicate Content-Length, same value"] = "Both answer 502 (the fast engine's parser refuses a repeated Content-Length; on the YARP path " +
            "Kestrel refuses to write two). " + RefusedNeverPooled,
        ["a chunk, then a size that is not hex"] = "The fast engine relays each chunk as it decodes it, so the client has the head and " +
            "\"hello\" when the bad size comes, and the connection is aborted (as both engines do for \"closed mid-chunk\"); HttpClient found the " +
            "bad size in the same read, before YARP wrote anything, and YARP answered a clean 502. The client never takes either for a whole message.",
        ["UTF-8 bytes in a header value"] = "Both answer 502 (Kestrel writes ASCII response header values only). " + RefusedNeverPooled,
    };

    private const string ContentLengthZeroForAnyMethod = "HttpClient writes Content-Length: 0 on a bodiless request of any method but GET, " +
        "HEAD, OPTIONS, DELETE and CONNECT; the fast engine only on POST, PUT and PATCH (where servers may ask for a length). The same " +
        "empty body either way (RFC 9112 6.3), two fewer lines of head.";

    private const string ContentLengthZeroKept = "The client sent Content-Length: 0 on a GET: YARP copies it, the fast engine writes no framing " +
        "for a request without a body. The same empty body either way (RFC 9112 6.3).";

    private const string RefusedNeverPooled = "YARP refuses the response only when Kestrel will not write it, after HttpClient read the " +
        "body whole, so the connection goes back to HttpClient's pool; the fast engine never pools a connection after a response it " +
        "refused (issue 13).";

    private const string StrictResponse = "The fast engine parses upstream responses strictly (issue 13: a malformed one is a 502 and its " +
        "connection is never pooled again); HttpClient is lenient here, relays the response and pools the connection.";

    [Fact]
    public async Task Send_RequestCorpus_BothEnginesAnswerAlikeAndSendTheSameBytesUpstream()
    {
        var started = TimeProvider.System.GetTimestamp();
        var cases = Requests(fixture.Upstream.Port(EngineDifferentialFixture.Fast));
        Assert.True(cases.Count >= 60, $"the corpus has {cases.Count} requests, fewer than the 60 issue 13 asks for");
        var table = new Table(output, "request case", "client (statuses[body bytes], end)", "upstream requests");
        foreach (var batch in cases.Chunk(Batch))
        {
            var before = fixture.Upstream.Requests.Count;
            var exchanges = await Task.WhenAll(batch.Select(c => Encoding.Latin1.GetBytes(c.Payload))
                .SelectMany(bytes => fixture.Edges.Select(edge => RawHttpSender.SendAsync(edge.ProxyUrl, bytes, settle: Settle))));
            await WaitUntilIdleAsync();
            var seen = fixture.Upstream.Requests.Skip(before).Where(request => !request.IsProbe).ToList();
            var markers = batch.Select(c => MarkerOf(c.Name)).ToList();
            table.Violations.AddRange(seen
                .Where(request => request.HeadLength > 0 ? !markers.Contains(request.Header("X-Case") ?? "") : IsSmuggled(request))
                .Select(request => $"a request no case of this batch sent as one: {Printable(Encoding.Latin1.GetString(request.Raw))}"));
            for (var i = 0; i < batch.Length; i++)
            {
                var name = batch[i].Name;
                var views = new string[2];
                var summaries = new string[2];
                for (var engine = 0; engine < 2; engine++)
                {
                    var exchange = exchanges[(i * 2) + engine];
                    var upstream = seen.Where(request => request.Listener == engine && request.HeadLength > 0 && request.Header("X-Case") == markers[i]).ToList();
                    views[engine] = $"client: {ClientView(exchange)}\n" +
                        string.Concat(upstream.Where(request => request.Complete).Select(request => $"upstream: {Normalized(request)}\n"));
                    summaries[engine] = $"{ClientView(exchange)} | {upstream.Count}{(upstream.Any(r => !r.Complete) ? " (cut)" : "")}";
                    table.Violations.AddRange(Invariant(name, EngineDifferentialFixture.Engines[engine], exchange, upstream));
                }

                table.Add(name, summaries, views);
            }
        }

        table.Finish(cases.Select(c => c.Name), TimeProvider.System.GetElapsedTime(started));
    }

    [Fact]
    public async Task Answer_UpstreamResponseCorpus_BothEnginesRelayAlikeAndPoolAlike()
    {
        var started = TimeProvider.System.GetTimestamp();
        var cases = Responses();
        var table = new Table(output, "upstream response case", "client (status, headers, body, end)", "upstream connection after");
        for (var i = 0; i < cases.Count; i++)
        {
            var answer = cases[i];
            var target = $"/resp/{i}";
            fixture.Script(target, ScriptedAnswer.Raw(answer.Answer, answer.Close));
            var connectionsBefore = Enumerable.Range(0, 2).Select(engine => fixture.Upstream.ConnectionsOn(engine).Count).ToArray();
            var before = fixture.Upstream.Requests.Count;
            var request = Encoding.Latin1.GetBytes($"{answer.Method} {target} HTTP/1.1\r\nHost: edge.test\r\nX-Case: {answer.Name} #1\r\n\r\n");
            var exchanges = await Task.WhenAll(fixture.Edges.Select(edge => RawHttpSender.SendAsync(edge.ProxyUrl, request, settle: Settle)));
            await WaitUntilIdleAsync();

            // The next request through each edge, on a new client connection: does it get its 200, and on which upstream connection?
            var next = Encoding.Latin1.GetBytes($"GET /after{target} HTTP/1.1\r\nHost: edge.test\r\nX-Case: {answer.Name} #2\r\n\r\n");
            var afters = await Task.WhenAll(fixture.Edges.Select(edge => RawHttpSender.SendAsync(edge.ProxyUrl, next, settle: Settle)));
            await WaitUntilIdleAsync();
            var seen = fixture.Upstream.Requests.Skip(before).Where(r => !r.IsProbe).ToList();
            var views = new string[2];
            var summaries = new string[2];
            for (var engine = 0; engine < 2; engine++)
            {
                var caseRequest = seen.FirstOrDefault(r => r.Listener == engine && r.Target == target);
                var afterRequest = seen.FirstOrDefault(r => r.Listener == engine && r.Target == $"/after{target}");
                var connection = caseRequest is null ? "never reached" : fixture.Upstream.StateOf(caseRequest.Connection) switch
                {
                    RecordingUpstream.ConnectionState.Idle => "kept",
                    RecordingUpstream.ConnectionState.ClosedByEdge => "closed by the edge",
                    RecordingUpstream.ConnectionState.ClosedByUpstream => "closed by the upstream",
                    _ => "mid-request",
                };
                var reused = caseRequest is not null && afterRequest?.Connection == caseRequest.Connection ? ", reused by the next request" : "";
                var opened = fixture.Upstream.ConnectionsOn(engine).Count - connectionsBefore[engine];
                views[engine] = $"client: {ClientView(exchanges[engine], withHeaders: true)}\nupstream connection: {connection}{reused}\n" +
                    $"next request: {ClientView(afters[engine])}\n";
                summaries[engine] = $"{ClientView(exchanges[engine])}, next {ClientView(afters[engine])} | {connection}{reused}, {opened} opened";
                table.Violations.AddRange(Invariant(answer.Name, EngineDifferentialFixture.Engines[engine], exchanges[engine], [.. seen.Where(r => r.Listener == engine && r.Target == target)]));
            }

            table.Add(answer.Name, summaries, views);
        }

        table.Finish(cases.Select(c => c.Name), TimeProvider.System.GetElapsedTime(started));
    }

    /// <summary>
    /// A header value that is not ASCII (Kestrel takes it as UTF-8) reaches the upstream as the client's bytes through
    /// either engine: not re-encoded as Latin-1 (the fast engine did: '€' became '?'), not refused with a 502 charged
    /// to the destination (the YARP path did: HttpClient sends ASCII values only by default, and the failure counted
    /// against the upstream's breaker, so a client could open it).
    /// </summary>
    [Theory]
    [InlineData(EngineDifferentialFixture.Fast)]
    [InlineData(EngineDifferentialFixture.Yarp)]
    public async Task Forward_HeaderValueInUtf8_UpstreamGetsTheClientsBytes(int engine)
    {
        var value = Encoding.UTF8.GetBytes("X-Name: café € 𝄞\r\n");
        var head = Encoding.Latin1.GetBytes("GET /utf8-value HTTP/1.1\r\nHost: edge.test\r\nX-Case: utf8 value #1\r\n");
        var before = fixture.Upstream.Requests.Count;

        var exchange = await RawHttpSender.SendAsync(fixture.Edges[engine].ProxyUrl, (byte[])[.. head, .. value, .. "\r\n"u8], settle: Settle);
        await WaitUntilIdleAsync();

        Assert.Equal([200], exchange.Responses.Select(response => response.Status));
        var forwarded = Assert.Single(fixture.Upstream.Requests.Skip(before), request => request.Target == "/utf8-value" && request.Listener == engine);
        Assert.True(forwarded.Raw.AsSpan().IndexOf(value) >= 0,
            $"the upstream got the field as {Printable(forwarded.Header("X-Name") ?? "(none)")}, not the client's UTF-8 bytes {Printable(Encoding.Latin1.GetString(value))}");
    }

    /// <summary>The <c>X-Case</c> value of a case's (first) request.</summary>
    private static string MarkerOf(string name) => $"{(name.StartsWith(HostilePrefix, StringComparison.Ordinal) ? name[HostilePrefix.Length..] : name)} #1";

    private static bool IsSmuggled(RecordedRequest request) =>
        Encoding.Latin1.GetString(request.Raw).Split(' ', 3) is [_, var target, ..] && target.StartsWith("/smuggled", StringComparison.Ordinal);

    /// <summary>
    /// What must hold whatever the engines agree on: every request upstream is one the client sent as one (it carries
    /// this case's marker, its target is not the smuggled one, and there are no more complete requests upstream than
    /// answers the client got), and only origin-form targets go upstream.
    /// </summary>
    private static IEnumerable<string> Invariant(string name, string engine, RawHttpExchange exchange, List<RecordedRequest> upstream)
    {
        // The hostile corpus' requests carry their own names in X-Case.
        var marked = name.StartsWith(HostilePrefix, StringComparison.Ordinal) ? name[HostilePrefix.Length..] : name;
        foreach (var request in upstream)
        {
            if (request.HeadLength > 0 && request.Header("X-Case") is var marker && marker?.StartsWith($"{marked} #", StringComparison.Ordinal) != true)
            {
                yield return $"{engine}, {name}: the upstream got a request without this case's marker: {Printable(request.Head)}";
            }

            if (IsSmuggled(request))
            {
                yield return $"{engine}, {name}: a smuggled request reached the upstream: {Printable(request.Head)}";
            }

            if (request.HeadLength > 0 && !request.Target.StartsWith('/') && request.Target != "*")
            {
                yield return $"{engine}, {name}: the upstream got a target in {request.Target} form";
            }
        }

        // A response the client could not frame (to a HEAD, or cut off) is left unparsed: it still answers one request.
        var answers = exchange.Responses.Count(response => response.Status >= 200) +
            (Encoding.Latin1.GetString(exchange.Unparsed).StartsWith("HTTP/1.1 ", StringComparison.Ordinal) ? 1 : 0);
        var complete = upstream.Count(request => request.Complete);
        if (complete > answers && exchange.End != RawConnectionEnd.Reset)
        {
            yield return $"{engine}, {name}: {complete} complete requests upstream, but the client got {exchange.Describe()}";
        }
    }

    /// <summary>Both edges have nothing in flight and the upstream has no request partly read.</summary>
    private async Task WaitUntilIdleAsync()
    {
        foreach (var edge in fixture.Edges)
        {
            await Eventually.WaitUntilAsync(
                async () => PrometheusText.Sum(await edge.GetMetricsTextAsync(), "neuropilot_edge_requests_in_flight") is null or 0,
                IdleDeadline,
                "the edge has no request in flight");
        }

        await Eventually.WaitUntilAsync(() => fixture.Upstream.IsQuiet, IdleDeadline, "the upstream has no request partly read");
    }

    /// <summary>
    /// The client's view: each response's status and body length (with <paramref name="withHeaders"/>: the compared
    /// headers and the body), stray bytes, and whether the edge ended the connection (a reset counts as a close).
    /// </summary>
    private static string ClientView(RawHttpExchange exchange, bool withHeaders = false)
    {
        var text = new StringBuilder();
        foreach (var response in exchange.Responses)
        {
            text.Append(CultureInfo.InvariantCulture, $"{response.Status}[{response.Body.Length}] ");
            if (withHeaders)
            {
                foreach (var header in ComparedHeaders)
                {
                    if (response.Head.Header(header) is { } value)
                    {
                        text.Append(CultureInfo.InvariantCulture, $"{header}: {Printable(value)}; ");
                    }
                }

                text.Append(CultureInfo.InvariantCulture, $"body \"{Printable(response.BodyText)}\" ");
            }
        }

        if (exchange.Responses.Count == 0)
        {
            text.Append("no response ");
        }

        if (exchange.Unparsed.Length > 0 && exchange.End != RawConnectionEnd.Reset)
        {
            var stray = Encoding.Latin1.GetString(exchange.Unparsed);
            text.Append(CultureInfo.InvariantCulture, $"+{exchange.Unparsed.Length} stray bytes \"{Printable(stray.Split('\n')[0])}\" ");
        }

        text.Append(exchange.End == RawConnectionEnd.Reset ? "reset" : exchange.EndedByServer ? "closed" : "open");
        return text.ToString();
    }

    /// <summary>A recorded request as compared: the request line, the header lines sorted by name (stable), the <c>Host</c> value masked, then the body as received.</summary>
    private static string Normalized(RecordedRequest request)
    {
        var raw = Encoding.Latin1.GetString(request.Raw);
        if (request.HeadLength == 0)
        {
            return $"(head cut off) {raw.Length} bytes";
        }

        var lines = request.Head.Split("\r\n");
        var fields = lines.Skip(1)
            .Select(line => line.StartsWith("Host:", StringComparison.OrdinalIgnoreCase) ? "Host: (the destination)" : line)
            .OrderBy(line => line.Split(':', 2)[0], StringComparer.OrdinalIgnoreCase);
        var body = request.Complete && IsChunked(request) ? Dechunked(raw[request.HeadLength..]) : raw[request.HeadLength..];
        return $"{Printable(lines[0])}\\r\\n{string.Concat(fields.Select(line => Printable(line) + "\\r\\n"))}\\r\\n" +
            $"{(body.Length > 200 ? $"({body.Length} bytes, hash {body.GetHashCode(StringComparison.Ordinal):x8})" : Printable(body))}{(request.Complete ? "" : " (cut)")}";
    }

    private static bool IsChunked(RecordedRequest request) =>
        request.Header("Transfer-Encoding")?.EndsWith("chunked", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>
    /// A complete chunked body as compared: its data, then its chunk extensions and trailer fields, without the
    /// chunk boundaries. Where a body is cut into chunks says nothing (RFC 9112 7.1): each engine re-chunks what it
    /// reads from Kestrel as the reads come, so the boundaries of a large body differ from run to run.
    /// </summary>
    private static string Dechunked(string body)
    {
        var data = new StringBuilder();
        var extensions = new List<string>();
        var at = 0;
        while (true)
        {
            var lineEnd = body.IndexOf("\r\n", at, StringComparison.Ordinal);
            var sizeLine = body[at..lineEnd].Split(';', 2);
            if (sizeLine.Length > 1)
            {
                extensions.Add(sizeLine[1]);
            }

            var size = int.Parse(sizeLine[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            at = lineEnd + 2;
            if (size == 0)
            {
                return $"(chunked) {data}{(extensions.Count > 0 ? $" extensions [{string.Join(", ", extensions)}]" : "")} trailers [{body[at..]}]";
            }

            data.Append(body, at, size);
            at += size + 2;
        }
    }

    private static string Printable(string text)
    {
        var printable = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            printable.Append(c switch
            {
                '\r' => "\\r",
                '\n' => "\\n",
                '\t' => "\\t",
                < ' ' or > '~' => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }

        return printable.Length > 300 ? $"{printable.ToString(0, 300)}...({text.Length} chars)" : printable.ToString();
    }

    /// <summary>The rows of one corpus, the differences found and the invariant broken; asserts at the end.</summary>
    private sealed class Table(ITestOutputHelper output, string caseTitle, string clientTitle, string upstreamTitle)
    {
        private readonly StringBuilder _rows = new();
        private readonly List<string> _unexpected = [];
        private readonly List<string> _differing = [];

        public List<string> Violations { get; } = [];

        public void Add(string name, string[] summaries, string[] views)
        {
            var same = views[0] == views[1];
            var verdict = same ? "same" : AcceptedDifferences.ContainsKey(name) ? "ACCEPTED" : "DIFFERENT";
            _rows.AppendLine(CultureInfo.InvariantCulture, $"{Cut(name, 56),-56} | {verdict,-9} | fast: {summaries[0]}");
            _rows.AppendLine(CultureInfo.InvariantCulture, $"{"",-56} | {"",-9} | yarp: {summaries[1]}");
            if (!same)
            {
                _differing.Add(name);
                var detail = $"{name}:\n  fast:\n    {views[0].TrimEnd().Replace("\n", "\n    ", StringComparison.Ordinal)}\n" +
                    $"  yarp:\n    {views[1].TrimEnd().Replace("\n", "\n    ", StringComparison.Ordinal)}";
                if (AcceptedDifferences.TryGetValue(name, out var reason))
                {
                    output.WriteLine($"accepted difference ({reason}): {detail}");
                }
                else
                {
                    _unexpected.Add(detail);
                }
            }
        }

        public void Finish(IEnumerable<string> names, TimeSpan elapsed)
        {
            output.WriteLine($"{caseTitle,-56} | {"verdict",-9} | engine: {clientTitle} | {upstreamTitle}");
            output.WriteLine(_rows.ToString());
            var all = names.ToList();
            output.WriteLine($"{all.Count} cases in {elapsed.TotalSeconds:0.0} s: {all.Count - _differing.Count} the same, {_differing.Count} different " +
                $"({_differing.Count - _unexpected.Count} accepted), {Violations.Count} invariant violations");
            foreach (var detail in _unexpected)
            {
                output.WriteLine($"UNEXPECTED DIFFERENCE {detail}");
            }

            var stale = AcceptedDifferences.Keys.Where(name => all.Contains(name) && !_differing.Contains(name)).ToList();
            Assert.True(Violations.Count == 0, $"the upstream got requests the client did not send as one:\n{string.Join('\n', Violations)}");
            Assert.True(_unexpected.Count == 0, $"{_unexpected.Count} unexpected difference(s) between the engines:\n{string.Join('\n', _unexpected)}");
            Assert.True(stale.Count == 0, $"accepted differences that no longer differ (delete them from the list): {string.Join(", ", stale)}");
        }

        private static string Cut(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
    }
}

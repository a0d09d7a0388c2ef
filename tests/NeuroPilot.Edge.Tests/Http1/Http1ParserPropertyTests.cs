using System.Buffers;
using System.Diagnostics;
using System.Text;
using CsCheck;
using NeuroPilot.Edge.Http1;
using NeuroPilot.Edge.Tests.TestSupport;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Http1;

/// <summary>
/// Property tests (CsCheck) of the request and response head parsers and the chunked decoder: any valid generated
/// message, fed in arbitrary reads (each a multi-segment sequence, as Pipelines delivers them), parses exactly as the
/// whole message does; random bytes and random edits of valid messages never throw, and their split parse agrees
/// with their whole parse too (same outcome, same status code, same consumed count, same fields). Each property
/// runs on one worker within a 30 s deadline and prints how many cases it ran.
/// </summary>
public sealed class Http1ParserPropertyTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private const string TokenChars = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const string PathChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%!$&'()*+,;=:@/?";
    private const string NoisyChars = "GETPOSTHOST /:\r\n\t\0 HTTP/1.1 0Content-Length: 5,chunked;Transfer-Encoding\x7F\u00E9";

    private static readonly string ValueChars = new([.. Enumerable.Range(0x20, 0x5F).Select(i => (char)i), '\t', '\u00E9', '\u0080', '\u00FF']);

    private static readonly Gen<string> Token = Gen.Char[TokenChars].Array[1, 10].Select(c => new string(c));

    private static readonly Gen<string> FieldValue = Gen.Char[ValueChars].Array[0, 30].Select(c => new string(c));

    private static readonly Gen<(string Name, string Value)[]> ExtraFields =
        Gen.Select(Token, FieldValue).Select((name, value) => ("X-" + name, value)).Array[0, 12];

    private static readonly Gen<string> Host =
        Gen.Select(Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-"].Array[1, 12], Gen.Int[0, 70_000])
            .Select((label, port) => new string(label) + ".example" + (port <= 65535 && port % 3 == 0 ? $":{port}" : ""));

    /// <summary>A valid request head (method, origin-form target, version, Host, other fields, framing, Connection) and its expected target and field count.</summary>
    private static readonly Gen<(string Text, string Target, int Fields)> ValidRequest =
        Gen.Select(
            Gen.Select(Gen.OneOf("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "PURGE"), Gen.Char[PathChars].Array[0, 40], Gen.Bool),
            Gen.Select(Gen.OneOf("Host", "host", "HOST"), Host, ExtraFields),
            Gen.Select(Gen.Int[0, 2], Gen.Long[0, long.MaxValue], Gen.OneOf("", "Connection: close\r\n", "connection: Keep-Alive\r\n", "Expect: 100-continue\r\n")))
        .Select((line, fields, framing) =>
        {
            var (method, path, http11) = line;
            var target = "/" + new string(path);
            var text = new StringBuilder($"{method} {target} HTTP/1.{(http11 ? 1 : 0)}\r\n{fields.Item1}: {fields.Item2}\r\n");
            foreach (var (name, value) in fields.Item3)
            {
                text.Append(name).Append(':').Append(value).Append("\r\n");
            }

            var (kind, length, extra) = framing;
            text.Append(kind switch
            {
                1 => $"Content-Length: {length}\r\n",
                2 when http11 => "Transfer-Encoding: chunked\r\n",
                _ => "",
            });
            text.Append(extra).Append("\r\n");
            var count = 1 + fields.Item3.Length + (kind == 1 || (kind == 2 && http11) ? 1 : 0) + (extra.Length > 0 ? 1 : 0);
            return (text.ToString(), target, count);
        });

    /// <summary>A valid response head (version, status, reason, fields, framing) and whether it answers a HEAD.</summary>
    private static readonly Gen<(string Text, int Status, bool HeadRequest)> ValidResponse =
        Gen.Select(
            Gen.Select(Gen.Bool, Gen.Int[100, 599], Gen.Char[ValueChars].Array[0, 20]),
            ExtraFields,
            Gen.Select(Gen.Int[0, 2], Gen.Long[0, 1_000_000], Gen.Bool, Gen.Bool))
        .Select((line, fields, framing) =>
        {
            var (http11, status, reason) = line;
            var text = new StringBuilder($"HTTP/1.{(http11 ? 1 : 0)} {status} {new string(reason).TrimStart(' ', '\t')}\r\n");
            foreach (var (name, value) in fields)
            {
                text.Append(name).Append(": ").Append(value).Append("\r\n");
            }

            var (kind, length, close, headRequest) = framing;
            text.Append(kind switch
            {
                1 => $"Content-Length: {length}\r\n",
                2 when http11 => "Transfer-Encoding: gzip, chunked\r\n",
                _ => "",
            });
            text.Append(close ? "Connection: close\r\n" : "").Append("\r\n");
            return (text.ToString(), status, headRequest);
        });

    /// <summary>A valid chunked body: chunks with sizes in any hex case and leading zeros, extensions, trailers; and its data.</summary>
    private static readonly Gen<(byte[] Body, byte[] Data)> ValidChunkedBody =
        Gen.Select(
            Gen.Select(Gen.Byte.Array[1, 60], Gen.OneOf("", ";a", ";a=b", " ; n=\"q \\\" v\"", ";x=1;y", "\t;z"), Gen.Int[0, 2], Gen.Bool).Array[0, 6],
            ExtraFields.Select(f => f.Take(3).ToArray()),
            Gen.OneOf("", ";last"))
        .Select((chunks, trailers, lastExtension) =>
        {
            var body = new List<byte>();
            var data = new List<byte>();
            foreach (var (bytes, extension, zeros, upper) in chunks)
            {
                var size = new string('0', zeros) + bytes.Length.ToString(upper ? "X" : "x", null);
                body.AddRange(Http1Input.Bytes($"{size}{extension}\r\n"));
                body.AddRange(bytes);
                body.AddRange("\r\n"u8.ToArray());
                data.AddRange(bytes);
            }

            body.AddRange(Http1Input.Bytes($"0{lastExtension}\r\n" + string.Concat(trailers.Select(t => $"{t.Name}: {t.Value}\r\n")) + "\r\n"));
            return (body.ToArray(), data.ToArray());
        });

    private static readonly Gen<int[]> Cuts = Gen.Int[0, 600].Array[0, 10];

    /// <summary>Random bytes drawn half from any byte, half from the bytes HTTP framing is made of, so that many get past the first line.</summary>
    private static readonly Gen<byte[]> NoisyBytes = Gen.Frequency((1, Gen.Byte), (3, Gen.Char[NoisyChars].Select(c => (byte)c))).Array[0, 300];

    [Fact]
    public Task ParseRequest_ValidRequestSplitIntoAnyReads_ParsesAsWhole() =>
        RunAsync("valid requests (+ a pipelined tail) split into reads", Gen.Select(ValidRequest, Gen.Byte.Array[0, 20], Cuts), sample =>
        {
            var ((text, target, fields), tail, cuts) = sample;
            var message = Http1Input.Bytes(text).Concat(tail).ToArray();
            using var head = new Http1RequestHead();
            var whole = new Http1RequestParser().Parse(new ReadOnlySequence<byte>(message), head);
            Assert.Equal(Http1ParseResult.Complete(text.Length), whole);
            Assert.Equal(target, Encoding.Latin1.GetString(head.Target));
            Assert.Equal(fields, head.FieldCount);
            Assert.Equal(RequestFingerprint(whole, head), ParseRequestInReads(message, cuts));
        }, iter: 50_000);

    [Fact]
    public Task ParseRequest_RandomBytes_NeverThrowsAndSplitParsesAsWhole() =>
        RunAsync("random and HTTP-alphabet bytes as requests", Gen.Select(Gen.OneOf(Gen.Byte.Array[0, 300], NoisyBytes), Cuts), sample =>
            Assert.Equal(ParseRequestWhole(sample.Item1), ParseRequestInReads(sample.Item1, sample.Item2)), iter: 200_000);

    [Fact]
    public Task ParseRequest_MutatedValidRequests_NeverThrowsAndSplitParsesAsWhole() =>
        RunAsync("valid requests with 1-6 bytes set, inserted or removed", Gen.Select(ValidRequest, ByteMutations.Gen(most: 6, maxAt: 2_000), Cuts), sample =>
        {
            var message = ByteMutations.Apply(Http1Input.Bytes(sample.Item1.Text), sample.Item2);
            Assert.Equal(ParseRequestWhole(message), ParseRequestInReads(message, sample.Item3));
        }, iter: 100_000);

    [Fact]
    public Task ParseResponse_ValidResponseSplitIntoAnyReads_ParsesAsWhole() =>
        RunAsync("valid responses split into reads", Gen.Select(ValidResponse, Cuts), sample =>
        {
            var ((text, status, headRequest), cuts) = sample;
            var message = Http1Input.Bytes(text);
            using var head = new Http1ResponseHead();
            var whole = new Http1ResponseParser().Parse(new ReadOnlySequence<byte>(message), head, headRequest);
            Assert.Equal(Http1ParseResult.Complete(text.Length), whole);
            Assert.Equal(status, head.StatusCode);
            Assert.Equal(ResponseFingerprint(whole, head), ParseResponseInReads(message, cuts, headRequest));
        }, iter: 50_000);

    [Fact]
    public Task ParseResponse_RandomBytesAndMutatedResponses_NeverThrowsAndSplitParsesAsWhole() =>
        RunAsync("random bytes and mutated valid responses", Gen.Select(
            Gen.OneOf(Gen.Byte.Array[0, 300], NoisyBytes, Gen.Select(ValidResponse, ByteMutations.Gen(most: 6, maxAt: 2_000)).Select((r, m) => ByteMutations.Apply(Http1Input.Bytes(r.Text), m))),
            Cuts, Gen.Bool), sample =>
        {
            var (message, cuts, headRequest) = sample;
            using var head = new Http1ResponseHead();
            var whole = new Http1ResponseParser().Parse(new ReadOnlySequence<byte>(message), head, headRequest);
            Assert.Equal(ResponseFingerprint(whole, head), ParseResponseInReads(message, cuts, headRequest));
        }, iter: 200_000);

    [Fact]
    public Task DecodeChunked_ValidBodySplitIntoAnyReads_SameDataAsWhole() =>
        RunAsync("valid chunked bodies (+ a tail) split into reads", Gen.Select(ValidChunkedBody, Gen.Byte.Array[0, 10], Cuts), sample =>
        {
            var ((body, data), tail, cuts) = sample;
            var (decoded, status, consumed) = Http1ChunkedDecoderTests.DecodeAll([.. body, .. tail], cuts);
            Assert.Equal(Http1ChunkedStatus.Complete, status);
            Assert.Equal(body.Length, consumed);
            Assert.Equal(data, decoded);
        }, iter: 50_000);

    [Fact]
    public Task DecodeChunked_RandomBytesAndMutatedBodies_NeverThrowsAndSplitDecodesAsWhole() =>
        RunAsync("random bytes and mutated valid chunked bodies", Gen.Select(
            Gen.OneOf(Gen.Byte.Array[0, 300], Gen.Char["0123456789abcdefABCDEF;= \t\"\r\n\0xX:"].Select(c => (byte)c).Array[0, 200],
                Gen.Select(ValidChunkedBody, ByteMutations.Gen(most: 6, maxAt: 2_000)).Select((b, m) => ByteMutations.Apply(b.Body, m))),
            Cuts), sample =>
        {
            var whole = Http1ChunkedDecoderTests.DecodeAll(sample.Item1, []);
            var split = Http1ChunkedDecoderTests.DecodeAll(sample.Item1, sample.Item2);
            // Invalid consumes nothing of the call that found it (the connection closes), so the bytes consumed
            // before it depend on where the reads ended; the data delivered and the verdict do not.
            Assert.Equal(whole.Status, split.Status);
            Assert.Equal(whole.Data, split.Data);
            if (whole.Status != Http1ChunkedStatus.Invalid)
            {
                Assert.Equal(whole.Consumed, split.Consumed);
            }
        }, iter: 100_000);

    /// <summary>
    /// Small limits, so that the line-length, head-size, field-count, chunk-line and trailer limits are hit at every
    /// place in a message: a partial read is refused only when the whole message is refused the same way.
    /// </summary>
    private static readonly Gen<Http1ParserOptions> SmallLimits =
        Gen.Select(Gen.Select(Gen.Int[8, 80], Gen.Int[16, 400], Gen.Int[0, 10]), Gen.Select(Gen.Int[4, 64], Gen.Int[8, 128], Gen.Int[0, 4]))
            .Select((head, body) => new Http1ParserOptions
            {
                MaxRequestLineLength = head.Item1,
                MaxHeadSize = head.Item2,
                MaxFieldCount = head.Item3,
                MaxChunkLineLength = body.Item1,
                MaxTrailerSize = body.Item2,
                MaxTrailerFieldCount = body.Item3,
            });

    [Fact]
    public Task ParseRequest_SmallLimitsValidOrMutated_SplitParsesAsWhole() =>
        RunAsync("valid and mutated requests under small limits", Gen.Select(
            Gen.Select(ValidRequest, ByteMutations.Gen(most: 4, maxAt: 2_000), Gen.Bool).Select((r, m, mutate) => mutate ? ByteMutations.Apply(Http1Input.Bytes(r.Text), m) : Http1Input.Bytes(r.Text)),
            Cuts, SmallLimits), sample =>
        {
            var (message, cuts, options) = sample;
            Assert.Equal(ParseRequestWhole(message, options), ParseRequestInReads(message, cuts, options));
        }, iter: 50_000);

    [Fact]
    public Task ParseResponse_SmallLimitsValidOrMutated_SplitParsesAsWhole() =>
        RunAsync("valid and mutated responses under small limits", Gen.Select(
            Gen.Select(ValidResponse, ByteMutations.Gen(most: 4, maxAt: 2_000), Gen.Bool).Select((r, m, mutate) => mutate ? ByteMutations.Apply(Http1Input.Bytes(r.Text), m) : Http1Input.Bytes(r.Text)),
            Cuts, SmallLimits), sample =>
        {
            var (message, cuts, options) = sample;
            Assert.Equal(ParseResponseWhole(message, headRequest: false, options), ParseResponseInReads(message, cuts, headRequest: false, options));
        }, iter: 50_000);

    [Fact]
    public Task DecodeChunked_SmallLimitsValidOrMutated_SplitDecodesAsWhole() =>
        RunAsync("valid and mutated chunked bodies under small limits", Gen.Select(
            Gen.Select(ValidChunkedBody, ByteMutations.Gen(most: 4, maxAt: 2_000), Gen.Bool).Select((b, m, mutate) => mutate ? ByteMutations.Apply(b.Body, m) : b.Body),
            Cuts, SmallLimits), sample =>
        {
            var (body, cuts, options) = sample;
            var whole = Http1ChunkedDecoderTests.DecodeAll(body, [], options);
            var split = Http1ChunkedDecoderTests.DecodeAll(body, cuts, options);
            Assert.Equal(whole.Status, split.Status);
            Assert.Equal(whole.Data, split.Data);
        }, iter: 50_000);

    private static string ParseRequestWhole(byte[] message, Http1ParserOptions? options = null)
    {
        using var head = new Http1RequestHead();
        return RequestFingerprint(new Http1RequestParser(options).Parse(new ReadOnlySequence<byte>(message), head), head);
    }

    private static string ParseResponseWhole(byte[] message, bool headRequest, Http1ParserOptions? options = null)
    {
        using var head = new Http1ResponseHead();
        return ResponseFingerprint(new Http1ResponseParser(options).Parse(new ReadOnlySequence<byte>(message), head, headRequest), head);
    }

    /// <summary>Delivers the message in reads ending at each cut, each time as a sequence segmented at the cuts so far, as a connection would.</summary>
    private static string ParseRequestInReads(byte[] message, int[] cuts, Http1ParserOptions? options = null)
    {
        var parser = new Http1RequestParser(options);
        using var head = new Http1RequestHead();
        var result = Http1ParseResult.NeedMoreData;
        foreach (var end in ReadEnds(message, cuts))
        {
            result = parser.Parse(Http1Input.Segmented(message.AsSpan(0, end), cuts), head);
            if (result.Status != Http1ParseStatus.NeedMoreData)
            {
                break;
            }
        }

        return RequestFingerprint(result, head);
    }

    private static string ParseResponseInReads(byte[] message, int[] cuts, bool headRequest, Http1ParserOptions? options = null)
    {
        var parser = new Http1ResponseParser(options);
        using var head = new Http1ResponseHead();
        var result = Http1ParseResult.NeedMoreData;
        foreach (var end in ReadEnds(message, cuts))
        {
            result = parser.Parse(Http1Input.Segmented(message.AsSpan(0, end), cuts), head, headRequest);
            if (result.Status != Http1ParseStatus.NeedMoreData)
            {
                break;
            }
        }

        return ResponseFingerprint(result, head);
    }

    private static IEnumerable<int> ReadEnds(byte[] message, int[] cuts) =>
        cuts.Where(c => c > 0 && c < message.Length).Distinct().Order().Append(message.Length);

    private static string RequestFingerprint(Http1ParseResult result, Http1RequestHead head) =>
        $"{result} {head.Method} {Latin1(head.MethodBytes)} {Latin1(head.Target)} {head.TargetForm} {head.VersionMinor} {head.HasHost} {Latin1(head.Host)} "
        + $"{head.BodyKind} {head.ContentLength} {head.KeepAlive} {head.ExpectContinue} {head.IsUpgrade} {Fields(head)}";

    private static string ResponseFingerprint(Http1ParseResult result, Http1ResponseHead head) =>
        $"{result} {head.VersionMinor} {head.StatusCode} {Latin1(head.ReasonPhrase)} {head.BodyKind} {head.ContentLength} {head.KeepAlive} {Fields(head)}";

    private static string Fields(Http1Head head) =>
        string.Join("|", Enumerable.Range(0, head.FieldCount).Select(i => $"{head.FieldAt(i).Known}:{Latin1(head.NameAt(i))}={Latin1(head.ValueAt(i))}")) + Latin1(head.Raw);

    private static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    /// <summary>Runs <paramref name="iter"/> cases on one worker thread within <see cref="Deadline"/>, printing the count and the time.</summary>
    private async Task RunAsync<T>(string what, Gen<T> gen, Action<T> property, long iter)
    {
        var cases = 0L;
        var clock = Stopwatch.StartNew();
        var run = Task.Run(() => gen.Sample(value =>
        {
            Interlocked.Increment(ref cases);
            property(value);
        }, iter: iter, threads: 1));
        await run.WaitAsync(Deadline);
        output.WriteLine($"{what}: {Interlocked.Read(ref cases):N0} cases in {clock.Elapsed.TotalSeconds:0.00} s");
    }
}

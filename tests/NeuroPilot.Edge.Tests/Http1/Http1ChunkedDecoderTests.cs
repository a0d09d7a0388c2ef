using System.Buffers;
using System.Text;
using NeuroPilot.Edge.Http1;

namespace NeuroPilot.Edge.Tests.Http1;

/// <summary>The chunked body decoder (RFC 9112 §7.1): sizes, extensions, data ranges, trailers, the final CRLF, limits.</summary>
public sealed class Http1ChunkedDecoderTests
{
    [Fact]
    public void Decode_TwoChunks_DataRangesThenComplete()
    {
        const string body = "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n";
        var buffer = Http1Input.Whole(body + "GET /next");
        var decoder = new Http1ChunkedDecoder();

        var first = decoder.Decode(buffer);
        Assert.Equal(Http1ChunkedStatus.Data, first.Status);
        Assert.Equal("hello", Text(buffer.Slice(first.Start, first.Length)));
        buffer = buffer.Slice(first.Consumed);

        var second = decoder.Decode(buffer);
        Assert.Equal(", world", Text(buffer.Slice(second.Start, second.Length)));
        buffer = buffer.Slice(second.Consumed);

        var end = decoder.Decode(buffer);
        Assert.Equal(Http1ChunkedStatus.Complete, end.Status);
        Assert.True(decoder.IsComplete);
        Assert.Equal("GET /next", Text(buffer.Slice(end.Consumed)));
    }

    [Fact]
    public void Decode_WholeBodyAnyWay_SameDataAndLength()
    {
        var (data, status, consumed) = DecodeAll("a\r\n0123456789\r\nA;x=1\r\nabcdefghij\r\n0\r\n\r\nrest", cuts: [1, 2, 5, 9, 17, 20, 30]);

        Assert.Equal(Http1ChunkedStatus.Complete, status);
        Assert.Equal("0123456789abcdefghij", data);
        Assert.Equal("a\r\n0123456789\r\nA;x=1\r\nabcdefghij\r\n0\r\n\r\n".Length, consumed);
    }

    [Fact]
    public void Decode_PartialChunk_ReportsWhatArrivedThenTheRest()
    {
        var decoder = new Http1ChunkedDecoder();
        var first = decoder.Decode(Http1Input.Whole("a\r\n0123"));
        Assert.Equal(Http1ChunkedResult.Data(3, 4), first);

        Assert.Equal(Http1ChunkedStatus.NeedMoreData, decoder.Decode(ReadOnlySequence<byte>.Empty).Status);
        var rest = decoder.Decode(Http1Input.Whole("456789\r\n0\r\n\r\n"));
        Assert.Equal(Http1ChunkedResult.Data(0, 6), rest);
    }

    [Theory]
    [InlineData("5;name\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5;name=value\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5 ; a = b ; c=\"quoted \\\" ;=\"\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5\t;a\r\nhello\r\n0;last=1\r\n\r\n")]
    [InlineData("0005\r\nhello\r\n000\r\n\r\n")]
    [InlineData("5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Other: d\r\n\r\n")]
    public void Decode_ExtensionsLeadingZerosAndTrailers_Accepted(string body) =>
        Assert.Equal(("hello", Http1ChunkedStatus.Complete), (DecodeAll(body).Data, DecodeAll(body).Status));

    [Theory]
    [InlineData("5;\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5;a=\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5;a=\"open\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5;a b\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5 \r\nhello\r\n0\r\n\r\n")]
    [InlineData("5x\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5;a=b\0\r\nhello\r\n0\r\n\r\n")]
    public void Decode_MalformedExtensionOrTrailingGarbage_Invalid(string body) => AssertInvalid(body);

    [Theory]
    [InlineData("\r\nhello\r\n0\r\n\r\n")]
    [InlineData("-5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("+5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("0x5\r\nhello\r\n0\r\n\r\n")]
    [InlineData(" 5\r\nhello\r\n0\r\n\r\n")]
    public void Decode_SizeNotHexDigits_Invalid(string body) => AssertInvalid(body);

    [Theory]
    [InlineData("10000000000000000")]
    [InlineData("ffffffffffffffff")]
    [InlineData("8000000000000000")]
    [InlineData("fffffffffffffffffffffffffffffffff1")]
    public void Decode_ChunkSizeOverflow_Invalid(string size) => AssertInvalid($"{size}\r\nhello\r\n0\r\n\r\n");

    [Fact]
    public void Decode_ChunkSizeOfLongMaxValue_AcceptedAsData() =>
        Assert.Equal(Http1ChunkedStatus.Data, new Http1ChunkedDecoder().Decode(Http1Input.Whole("7fffffffffffffff\r\nabc")).Status);

    [Theory]
    [InlineData("5\nhello\r\n0\r\n\r\n")]
    [InlineData("5\r\nhello\n0\r\n\r\n")]
    [InlineData("5\r\nhello\r0\r\n\r\n")]
    [InlineData("5\r\nhelloXY0\r\n\r\n")]
    [InlineData("5\r\nhello\r\n0\n\r\n")]
    [InlineData("5\r\nhello\r\n0\r\n\n")]
    [InlineData("5\rhello\r\n0\r\n\r\n")]
    public void Decode_BareLfBareCrOrMissingCrlf_Invalid(string body) => AssertInvalid(body);

    [Theory]
    [InlineData("X-A : b")]
    [InlineData(" X-A: b")]
    [InlineData("X-A: b\0")]
    [InlineData("NoColon")]
    public void Decode_TrailerBreakingFieldRules_Invalid(string trailer) => AssertInvalid($"5\r\nhello\r\n0\r\n{trailer}\r\n\r\n");

    [Fact]
    public void Decode_TrailerLine_ReportedAsARange()
    {
        var buffer = Http1Input.Whole("0\r\nX-A: b\r\n\r\n");
        var decoder = new Http1ChunkedDecoder();

        var trailer = decoder.Decode(buffer);
        Assert.Equal(Http1ChunkedStatus.Trailer, trailer.Status);
        Assert.Equal("X-A: b\r\n", Text(buffer.Slice(trailer.Start, trailer.Length)));
        Assert.Equal(Http1ChunkedResult.Complete(2), decoder.Decode(buffer.Slice(trailer.Consumed)));
    }

    [Fact]
    public void Decode_ChunkLineOverTheLimit_Invalid()
    {
        var options = new Http1ParserOptions { MaxChunkLineLength = 32 };
        var longExtension = $"5;{new string('e', 40)}\r\nhello\r\n0\r\n\r\n";

        AssertInvalid(longExtension, options);
        AssertInvalid(longExtension[..38], options); // refused before the line ends
        Assert.Equal(Http1ChunkedStatus.Complete, DecodeAll($"5;{new string('e', 30)}\r\nhello\r\n0\r\n\r\n", options: options).Status);
    }

    [Fact]
    public void Decode_TrailersOverTheSizeLimit_Invalid()
    {
        var options = new Http1ParserOptions { MaxTrailerSize = 32 };
        var body = $"0\r\nX-A: {new string('t', 40)}\r\n\r\n";

        AssertInvalid(body, options);
        AssertInvalid(body[..30] + new string('t', 20), options);
    }

    [Fact]
    public void Decode_MoreTrailersThanTheLimit_Invalid()
    {
        var options = new Http1ParserOptions { MaxTrailerFieldCount = 2 };

        Assert.Equal(Http1ChunkedStatus.Complete, DecodeAll("0\r\nA: 1\r\nB: 2\r\n\r\n", options: options).Status);
        AssertInvalid("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", options);
    }

    [Fact]
    public void Decode_AfterComplete_StaysCompleteUntilReset()
    {
        var decoder = new Http1ChunkedDecoder();
        Assert.Equal(Http1ChunkedStatus.Complete, decoder.Decode(Http1Input.Whole("0\r\n\r\n")).Status);
        Assert.Equal(Http1ChunkedResult.Complete(0), decoder.Decode(Http1Input.Whole("5\r\n")));

        decoder.Reset();
        Assert.Equal(Http1ChunkedResult.Data(3, 2), decoder.Decode(Http1Input.Whole("5\r\nab")));
    }

    [Fact]
    public void Decode_ChunkedBodyOnAWarmDecoder_AllocatesNothing()
    {
        var buffer = Http1Input.Whole("5\r\nhello\r\n10;ext=\"v\"\r\n0123456789abcdef\r\n0\r\nX-T: 1\r\n\r\n");
        var decoder = new Http1ChunkedDecoder();
        DecodeLoop(decoder, buffer);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            decoder.Reset();
            DecodeLoop(decoder, buffer);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        static void DecodeLoop(Http1ChunkedDecoder decoder, ReadOnlySequence<byte> buffer)
        {
            while (!decoder.IsComplete)
            {
                var result = decoder.Decode(buffer);
                if (result.Status == Http1ChunkedStatus.Invalid)
                {
                    throw new InvalidOperationException(result.Reason);
                }

                buffer = buffer.Slice(result.Consumed);
            }
        }
    }

    /// <summary>Feeds the body in reads cut at <paramref name="cuts"/>, as a forwarder would; returns the data, the last status and the bytes consumed.</summary>
    internal static (string Data, Http1ChunkedStatus Status, long Consumed) DecodeAll(string body, int[]? cuts = null, Http1ParserOptions? options = null)
    {
        var (data, status, consumed) = DecodeAll(Http1Input.Bytes(body), cuts ?? [], options);
        return (Encoding.Latin1.GetString(data), status, consumed);
    }

    internal static (byte[] Data, Http1ChunkedStatus Status, long Consumed) DecodeAll(byte[] body, int[] cuts, Http1ParserOptions? options = null)
    {
        var decoder = new Http1ChunkedDecoder(options);
        var data = new List<byte>();
        var consumed = 0L;
        foreach (var available in cuts.Where(c => c > 0 && c < body.Length).Distinct().Order().Append(body.Length))
        {
            while (true)
            {
                var buffer = Http1Input.Segmented(body.AsSpan((int)consumed, available - (int)consumed), cuts.Select(c => c - (int)consumed));
                var result = decoder.Decode(buffer);
                consumed += result.Consumed;
                switch (result.Status)
                {
                    case Http1ChunkedStatus.Data:
                        data.AddRange(buffer.Slice(result.Start, result.Length).ToArray());
                        continue;
                    case Http1ChunkedStatus.Trailer:
                        continue;
                    case Http1ChunkedStatus.NeedMoreData:
                        break;
                    default:
                        return ([.. data], result.Status, consumed);
                }

                break;
            }
        }

        return ([.. data], Http1ChunkedStatus.NeedMoreData, consumed);
    }

    private static void AssertInvalid(string body, Http1ParserOptions? options = null)
    {
        var (_, status, _) = DecodeAll(body, options: options);
        Assert.True(status == Http1ChunkedStatus.Invalid, $"expected Invalid, got {status} for {body.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}");
    }

    private static string Text(ReadOnlySequence<byte> bytes) => Encoding.Latin1.GetString(bytes.ToArray());
}

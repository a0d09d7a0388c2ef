using System.Buffers;
using NeuroPilot.Edge.Http1.Internal;

namespace NeuroPilot.Edge.Http1;

/// <summary>
/// An incremental decoder of the chunked transfer coding (RFC 9112 §7.1), one per body: chunk-size in hex (overflow
/// refused), chunk extensions checked against their grammar and ignored (the line's length is bounded), chunk data
/// reported as ranges of the input, trailer fields checked with the head's field rules and bounded, the final CRLF.
/// Call <see cref="Decode"/> with the unconsumed bytes and advance by <see cref="Http1ChunkedResult.Consumed"/>
/// after every call; it returns one item per call and never throws on any input.
/// </summary>
public sealed class Http1ChunkedDecoder(Http1ParserOptions? options = null)
{
    private readonly Http1ParserOptions _options = options ?? Http1ParserOptions.Default;
    private State _state;
    private long _remaining;
    private int _trailerBytes;
    private int _trailerCount;

    private enum State : byte
    {
        Size,
        Data,
        DataEnd,
        Trailers,
        Done,
    }

    /// <summary>The whole body has been decoded.</summary>
    public bool IsComplete => _state == State.Done;

    /// <summary>Makes the decoder ready for the next body.</summary>
    public void Reset()
    {
        _state = State.Size;
        _remaining = 0;
        _trailerBytes = _trailerCount = 0;
    }

    public Http1ChunkedResult Decode(in ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (true)
        {
            Http1ChunkedResult? result = _state switch
            {
                State.Size => ReadSizeLine(ref reader),
                State.Data => ReadData(ref reader),
                State.DataEnd => ReadDataEnd(ref reader),
                State.Trailers => ReadTrailer(ref reader),
                _ => Http1ChunkedResult.Complete(0),
            };
            if (result is { } done)
            {
                return done;
            }
        }
    }

    /// <summary><c>chunk-size [ chunk-ext ] CRLF</c>; null when the line was consumed and the state moved on.</summary>
    private Http1ChunkedResult? ReadSizeLine(ref SequenceReader<byte> reader)
    {
        var limit = _options.MaxChunkLineLength + 1L;
        if (!reader.TryReadTo(out ReadOnlySequence<byte> line, FieldSyntax.Lf))
        {
            return reader.Remaining > limit ? Http1ChunkedResult.Invalid("a chunk-size line longer than allowed") : Http1ChunkedResult.NeedMoreData(reader.Consumed);
        }

        if (line.Length > limit)
        {
            return Http1ChunkedResult.Invalid("a chunk-size line longer than allowed");
        }

        var problem = CheckLine(line, isTrailer: false, out var size);
        if (problem is not null)
        {
            return Http1ChunkedResult.Invalid(problem);
        }

        _remaining = size;
        _state = size == 0 ? State.Trailers : State.Data;
        return null;
    }

    private Http1ChunkedResult? ReadData(ref SequenceReader<byte> reader)
    {
        if (reader.End)
        {
            return Http1ChunkedResult.NeedMoreData(reader.Consumed);
        }

        var start = reader.Consumed;
        var length = Math.Min(_remaining, reader.Remaining);
        reader.Advance(length);
        _remaining -= length;
        if (_remaining == 0)
        {
            _state = State.DataEnd;
        }

        return Http1ChunkedResult.Data(start, length);
    }

    private Http1ChunkedResult? ReadDataEnd(ref SequenceReader<byte> reader)
    {
        if (reader.Remaining < 2)
        {
            return Http1ChunkedResult.NeedMoreData(reader.Consumed);
        }

        reader.TryRead(out var cr);
        reader.TryRead(out var lf);
        if (cr != FieldSyntax.Cr || lf != FieldSyntax.Lf)
        {
            return Http1ChunkedResult.Invalid("chunk data not followed by CRLF");
        }

        _state = State.Size;
        return null;
    }

    /// <summary>One trailer field line (RFC 9112 §7.1.2), or the empty line that ends the body.</summary>
    private Http1ChunkedResult? ReadTrailer(ref SequenceReader<byte> reader)
    {
        if (!reader.TryReadTo(out ReadOnlySequence<byte> line, FieldSyntax.Lf))
        {
            return _trailerBytes + reader.Remaining > _options.MaxTrailerSize
                ? Http1ChunkedResult.Invalid("a trailer section larger than allowed")
                : Http1ChunkedResult.NeedMoreData(reader.Consumed);
        }

        _trailerBytes += (int)line.Length + 1;
        if (_trailerBytes > _options.MaxTrailerSize)
        {
            return Http1ChunkedResult.Invalid("a trailer section larger than allowed");
        }

        var problem = CheckLine(line, isTrailer: true, out _);
        if (problem is not null)
        {
            return Http1ChunkedResult.Invalid(problem);
        }

        if (line.Length == 1)
        {
            _state = State.Done;
            return Http1ChunkedResult.Complete(reader.Consumed);
        }

        return ++_trailerCount > _options.MaxTrailerFieldCount
            ? Http1ChunkedResult.Invalid("more trailer fields than allowed")
            : Http1ChunkedResult.Trailer(reader.Consumed - line.Length - 1, line.Length + 1);
    }

    /// <summary>Checks a line (its LF excluded), copied into a rented buffer in the rare case it spans segments.</summary>
    private static string? CheckLine(in ReadOnlySequence<byte> line, bool isTrailer, out long size)
    {
        if (line.IsSingleSegment)
        {
            return CheckLine(line.FirstSpan, isTrailer, out size);
        }

        var length = (int)line.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            line.CopyTo(rented);
            return CheckLine(rented.AsSpan(0, length), isTrailer, out size);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static string? CheckLine(ReadOnlySpan<byte> line, bool isTrailer, out long size)
    {
        size = 0;
        if (line.IsEmpty || line[^1] != FieldSyntax.Cr)
        {
            return "a bare LF (line not ended by CRLF)";
        }

        var content = line[..^1];
        if (isTrailer)
        {
            return content.IsEmpty ? null : FieldSyntax.ParseFieldLine(content, out _, out _, out _);
        }

        return ChunkLine.Parse(content, out size);
    }
}

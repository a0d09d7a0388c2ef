using System.Buffers;

namespace NeuroPilot.Edge.Http1.Internal;

/// <summary>
/// Finds where a head ends, line by line, and refuses early what no later byte can mend: a bare LF, an over-long
/// request-line, a head over the size or field-count limit. It resumes where the last call stopped, so a head that
/// arrives in many reads is scanned once; the caller must pass the same unconsumed start each time (Pipelines'
/// <c>AdvanceTo(start, end)</c>). The checks run in one order for whole and partial input, so a head split into any
/// reads gets the same answer as the whole head.
/// </summary>
internal struct HeadScanner
{
    private long _scanned;
    private long _headStart;
    private int _lines;

    public void Reset() => this = default;

    /// <summary>
    /// Scans <paramref name="buffer"/>. Complete: the head is <c>[headStart, headEnd)</c> (leading empty lines before a
    /// request-line are skipped, RFC 9112 §2.2). Refused: <paramref name="isRequest"/> decides the meaning of the codes.
    /// </summary>
    public Http1ParseResult Scan(in ReadOnlySequence<byte> buffer, Http1ParserOptions options, bool isRequest, out long headStart, out long headEnd)
    {
        headStart = headEnd = 0;
        if (_scanned > buffer.Length)
        {
            Reset();
        }

        // Lines inside the first segment are found with span searches (the usual case: the head fits in one read);
        // the rest, if any, through a SequenceReader. Both stop at a line boundary, so one can take over from the other.
        var first = buffer.FirstSpan;
        var outcome = _scanned < first.Length ? ScanSpan(first, options, isRequest) : null;
        if (outcome is null && !buffer.IsSingleSegment)
        {
            outcome = ScanSegments(buffer, options, isRequest);
        }

        if (outcome is not { } done)
        {
            return CheckPartialLine(buffer.Length - _scanned, buffer.Length, options, isRequest);
        }

        if (done.Status == Http1ParseStatus.Complete)
        {
            headStart = _headStart;
            headEnd = _scanned;
        }

        return done;
    }

    private Http1ParseResult? ScanSpan(ReadOnlySpan<byte> span, Http1ParserOptions options, bool isRequest)
    {
        while (true)
        {
            var start = (int)_scanned;
            var lf = span[start..].IndexOf(FieldSyntax.Lf);
            if (lf < 0)
            {
                return null;
            }

            _scanned += lf + 1;
            if (Step(lf, lf == 0 ? (byte)0 : span[start + lf - 1], options, isRequest) is { } outcome)
            {
                return outcome;
            }
        }
    }

    private Http1ParseResult? ScanSegments(in ReadOnlySequence<byte> buffer, Http1ParserOptions options, bool isRequest)
    {
        var reader = new SequenceReader<byte>(buffer);
        reader.Advance(_scanned);
        while (reader.TryReadTo(out ReadOnlySequence<byte> line, FieldSyntax.Lf))
        {
            _scanned = reader.Consumed;
            if (Step(line.Length, line.Length == 0 ? (byte)0 : LastByte(line), options, isRequest) is { } outcome)
            {
                return outcome;
            }
        }

        return null;
    }

    /// <summary>One complete line of <paramref name="length"/> bytes before its LF, ending in <paramref name="last"/>; <c>_scanned</c> is past its LF.</summary>
    private Http1ParseResult? Step(long length, byte last, Http1ParserOptions options, bool isRequest)
    {
        if (CheckLine(length, last, options, isRequest) is { } refused)
        {
            return refused;
        }

        if (_lines > 0 && length == 1)
        {
            return Http1ParseResult.Complete(_scanned);
        }

        if (length == 1)
        {
            _headStart = _scanned; // an empty line before the request-line
            return null;
        }

        _lines++;
        return _lines - 1 > options.MaxFieldCount ? Http1ParseResult.Refused(431, "more header fields than allowed") : null;
    }

    /// <summary>Checks one complete line (its LF excluded): request-line length, head size, CR before LF.</summary>
    private readonly Http1ParseResult? CheckLine(long length, byte last, Http1ParserOptions options, bool isRequest)
    {
        if (_lines == 0 && isRequest && length > options.MaxRequestLineLength + 1)
        {
            return Http1ParseResult.Refused(414, "request-line longer than allowed");
        }

        if (_scanned > options.MaxHeadSize)
        {
            return Http1ParseResult.Refused(431, "head larger than allowed");
        }

        if (length == 0 || last != FieldSyntax.Cr)
        {
            return Http1ParseResult.Refused(400, "a bare LF (line not ended by CRLF)");
        }

        if (_lines == 0 && length == 1 && !isRequest)
        {
            return Http1ParseResult.Refused(400, "an empty line before the status-line");
        }

        return null;
    }

    /// <summary>
    /// The unfinished last line: refused now only when every completion of it would be refused the same way. While on
    /// the request-line only its own limit applies (the whole-head check puts 414 before 431 there).
    /// </summary>
    private readonly Http1ParseResult CheckPartialLine(long pending, long total, Http1ParserOptions options, bool isRequest)
    {
        if (_lines == 0 && isRequest)
        {
            return pending > options.MaxRequestLineLength + 1
                ? Http1ParseResult.Refused(414, "request-line longer than allowed")
                : Http1ParseResult.NeedMoreData;
        }

        return total >= options.MaxHeadSize + 1 && pending > 0
            ? Http1ParseResult.Refused(431, "head larger than allowed")
            : Http1ParseResult.NeedMoreData;
    }

    private static byte LastByte(in ReadOnlySequence<byte> line) =>
        line.IsSingleSegment ? line.FirstSpan[^1] : line.Slice(line.Length - 1).FirstSpan[0];
}

namespace NeuroPilot.Edge.Http1.Internal;

/// <summary>
/// <c>chunk-size [ chunk-ext ]</c> (RFC 9112 §7.1.1): hex digits, then any number of
/// <c>BWS ";" BWS ext-name [ BWS "=" BWS ( token / quoted-string ) ]</c>. Extensions are checked and ignored.
/// </summary>
internal static class ChunkLine
{
    private const long MaxBeforeShift = long.MaxValue >> 4;

    public static string? Parse(ReadOnlySpan<byte> line, out long size)
    {
        size = 0;
        var i = 0;
        for (; i < line.Length && HexValue(line[i]) is var digit and >= 0; i++)
        {
            if (size > MaxBeforeShift)
            {
                return "a chunk size that overflows";
            }

            size = (size << 4) | (uint)digit;
        }

        return i == 0 ? "a chunk-size line without a hex size" : ParseExtensions(line[i..]);
    }

    private static string? ParseExtensions(ReadOnlySpan<byte> rest)
    {
        while (true)
        {
            var whitespace = SkipWhitespace(rest);
            rest = rest[whitespace..];
            if (rest.IsEmpty)
            {
                return whitespace == 0 ? null : "whitespace at the end of a chunk-size line";
            }

            if (rest[0] != (byte)';')
            {
                return "a malformed chunk extension";
            }

            rest = rest[1..];
            rest = rest[SkipWhitespace(rest)..];
            var name = TokenLength(rest);
            if (name == 0)
            {
                return "a chunk extension without a name";
            }

            rest = rest[name..];
            var beforeEquals = SkipWhitespace(rest);
            if (beforeEquals < rest.Length && rest[beforeEquals] == (byte)'=')
            {
                rest = rest[(beforeEquals + 1)..];
                rest = rest[SkipWhitespace(rest)..];
                var value = rest.IsEmpty ? 0 : rest[0] == (byte)'"' ? QuotedStringLength(rest) : TokenLength(rest);
                if (value <= 0)
                {
                    return "a chunk extension with a malformed value";
                }

                rest = rest[value..];
            }
        }
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    private static int SkipWhitespace(ReadOnlySpan<byte> span)
    {
        var i = 0;
        while (i < span.Length && FieldSyntax.IsWhitespace(span[i]))
        {
            i++;
        }

        return i;
    }

    private static int TokenLength(ReadOnlySpan<byte> span)
    {
        var end = span.IndexOfAnyExcept(FieldSyntax.TokenChars);
        return end < 0 ? span.Length : end;
    }

    /// <summary>The length of the quoted-string at the start (RFC 9110 §5.6.4), or -1 when it is malformed or unterminated.</summary>
    private static int QuotedStringLength(ReadOnlySpan<byte> span)
    {
        for (var i = 1; i < span.Length; i++)
        {
            var b = span[i];
            if (b == (byte)'"')
            {
                return i + 1;
            }

            if (b == (byte)'\\')
            {
                i++;
                if (i == span.Length || !FieldSyntax.FieldValueChars.Contains(span[i]))
                {
                    return -1;
                }
            }
            else if (!FieldSyntax.FieldValueChars.Contains(b))
            {
                return -1;
            }
        }

        return -1;
    }
}

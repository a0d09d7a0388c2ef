using System.Buffers;
using System.Text;

namespace NeuroPilot.Edge.Http1.Internal;

/// <summary>The byte classes and small grammars of RFC 9110 §5 and RFC 9112 §5 shared by both parsers and the chunked decoder.</summary>
internal static class FieldSyntax
{
    public const byte Space = (byte)' ';
    public const byte Tab = (byte)'\t';
    public const byte Cr = (byte)'\r';
    public const byte Lf = (byte)'\n';

    /// <summary>tchar (RFC 9110 §5.6.2).</summary>
    public static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>What a field value may hold (RFC 9110 §5.5): VCHAR, obs-text, SP, HTAB. Not NUL, CR, LF, other CTLs or DEL.</summary>
    public static readonly SearchValues<byte> FieldValueChars = SearchValues.Create(FieldValueBytes());

    /// <summary>What a request-target may hold: VCHAR only (no whitespace, CTLs, DEL or bytes above 0x7E).</summary>
    public static readonly SearchValues<byte> TargetChars = SearchValues.Create(Range(0x21, 0x7E));

    /// <summary>reg-name (RFC 3986 §3.2.2): unreserved, pct-encoded, sub-delims.</summary>
    public static readonly SearchValues<byte> RegNameChars =
        SearchValues.Create("!$%&'()*+,-.0123456789;=ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~"u8);

    /// <summary>What an IP-literal between brackets may hold (IPv6 and IPvFuture, RFC 3986 §3.2.2).</summary>
    public static readonly SearchValues<byte> IpLiteralChars =
        SearchValues.Create("!$&'()*+,-.0123456789:;=ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~"u8);

    public static readonly SearchValues<byte> Digits = SearchValues.Create("0123456789"u8);

    public static bool IsToken(ReadOnlySpan<byte> value) => !value.IsEmpty && !value.ContainsAnyExcept(TokenChars);

    public static bool IsWhitespace(byte b) => b is Space or Tab;

    /// <summary>The value without leading and trailing SP/HTAB (OWS, RFC 9110 §5.6.3).</summary>
    public static ReadOnlySpan<byte> TrimOws(ReadOnlySpan<byte> value)
    {
        var start = 0;
        while (start < value.Length && IsWhitespace(value[start]))
        {
            start++;
        }

        var end = value.Length;
        while (end > start && IsWhitespace(value[end - 1]))
        {
            end--;
        }

        return value[start..end];
    }

    /// <summary>
    /// The next non-empty element of a comma-separated list (RFC 9110 §5.6.1), trimmed; empty elements are skipped
    /// as the RFC requires. False at the end of the list.
    /// </summary>
    public static bool NextElement(ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> element)
    {
        while (!rest.IsEmpty)
        {
            var comma = rest.IndexOf((byte)',');
            var item = comma < 0 ? rest : rest[..comma];
            rest = comma < 0 ? default : rest[(comma + 1)..];
            item = TrimOws(item);
            if (!item.IsEmpty)
            {
                element = item;
                return true;
            }
        }

        element = default;
        return false;
    }

    /// <summary>1*DIGIT into a non-negative long; false for anything else (sign, space, list, hex) or on overflow.</summary>
    public static bool TryParseDecimal(ReadOnlySpan<byte> value, out long result)
    {
        result = 0;
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (var b in value)
        {
            var digit = (uint)(b - '0');
            if (digit > 9 || result > (long.MaxValue - digit) / 10)
            {
                return false;
            }

            result = (result * 10) + digit;
        }

        return true;
    }

    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> literal) => Ascii.EqualsIgnoreCase(value, literal);

    /// <summary>
    /// <c>uri-host [ ":" port ]</c> (RFC 9110 §7.2, RFC 3986 §3.2.2): a reg-name or a bracketed IP-literal, then
    /// optionally a colon and up to five digits no greater than 65535. No userinfo. Empty is valid (the caller decides).
    /// </summary>
    public static bool IsValidHost(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return true;
        }

        ReadOnlySpan<byte> rest;
        if (value[0] == (byte)'[')
        {
            var close = value.IndexOf((byte)']');
            if (close < 2 || value[1..close].ContainsAnyExcept(IpLiteralChars))
            {
                return false;
            }

            rest = value[(close + 1)..];
        }
        else
        {
            var colon = value.IndexOf((byte)':');
            var host = colon < 0 ? value : value[..colon];
            if (host.IsEmpty || host.ContainsAnyExcept(RegNameChars))
            {
                return false;
            }

            rest = colon < 0 ? default : value[colon..];
        }

        return rest.IsEmpty || (rest[0] == (byte)':' && IsPort(rest[1..]));
    }

    /// <summary>
    /// <c>field-name ":" OWS field-value OWS</c> (RFC 9112 §5): the name a token right before the colon (whitespace
    /// there is refused, §5.1), no obs-fold (a line starting with whitespace, §5.2), a value without CTLs (NUL, bare CR,
    /// DEL, ...). Returns why the line is refused, or null with the colon's index and the trimmed value's place.
    /// </summary>
    public static string? ParseFieldLine(ReadOnlySpan<byte> line, out int colon, out int valueOffset, out int valueLength)
    {
        valueOffset = valueLength = 0;
        colon = line.IndexOf((byte)':');
        if (!line.IsEmpty && IsWhitespace(line[0]))
        {
            return "obs-fold: a field line starts with whitespace";
        }

        if (colon <= 0)
        {
            return colon < 0 ? "a field line without a colon" : "an empty field name";
        }

        var name = line[..colon];
        if (IsWhitespace(name[^1]))
        {
            return "whitespace between a field name and its colon";
        }

        if (!IsToken(name))
        {
            return "a field name that is not a token";
        }

        var value = line[(colon + 1)..];
        if (value.ContainsAnyExcept(FieldValueChars))
        {
            return "a control character (NUL, CR, LF, DEL, ...) in a field value";
        }

        var leading = 0;
        while (leading < value.Length && IsWhitespace(value[leading]))
        {
            leading++;
        }

        valueOffset = colon + 1 + leading;
        valueLength = TrimOws(value).Length;
        return null;
    }

    private static bool IsPort(ReadOnlySpan<byte> port) =>
        port.IsEmpty || (port.Length <= 5 && TryParseDecimal(port, out var number) && number <= 65535);

    private static byte[] FieldValueBytes()
    {
        var bytes = new List<byte> { Tab };
        bytes.AddRange(Range(0x20, 0x7E));
        bytes.AddRange(Range(0x80, 0xFF));
        return [.. bytes];
    }

    private static byte[] Range(int first, int last)
    {
        var bytes = new byte[last - first + 1];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(first + i);
        }

        return bytes;
    }
}

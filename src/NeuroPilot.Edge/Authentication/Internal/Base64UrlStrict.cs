using System.Buffers;
using System.Buffers.Text;

namespace NeuroPilot.Edge.Authentication.Internal;

/// <summary>
/// Base64url as JWS wants it (RFC 7515 section 2): the URL-safe alphabet only, no padding, no whitespace, and the
/// unused bits of the last character zero, so one byte string has exactly one spelling. The platform decoder is
/// lenient on all of these (padding, whitespace), hence the checks before it.
/// </summary>
internal static class Base64UrlStrict
{
    private static readonly SearchValues<char> Alphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    /// <summary>The number of bytes <paramref name="chars"/> characters of unpadded base64url decode to.</summary>
    public static int DecodedLength(int chars) => (chars / 4 * 3) + (chars % 4 == 0 ? 0 : (chars % 4) - 1);

    public static bool IsValid(ReadOnlySpan<char> text)
    {
        if (text.Length % 4 == 1 || text.ContainsAnyExcept(Alphabet))
        {
            return false;
        }

        // 2 characters left over carry 1 byte (4 bits unused), 3 carry 2 bytes (2 bits unused).
        var unusedBits = (text.Length % 4) switch { 2 => 0b1111, 3 => 0b11, _ => 0 };
        return unusedBits == 0 || (Value(text[^1]) & unusedBits) == 0;
    }

    /// <summary>Decodes <paramref name="text"/> into the start of <paramref name="destination"/>; false when it is not strict base64url.</summary>
    public static bool TryDecode(ReadOnlySpan<char> text, Span<byte> destination, out int written)
    {
        written = 0;
        if (!IsValid(text) || destination.Length < DecodedLength(text.Length))
        {
            return false;
        }

        var status = Base64Url.DecodeFromChars(text, destination, out var consumed, out written);
        return status == OperationStatus.Done && consumed == text.Length;
    }

    /// <summary>Decodes a whole value (config code: JWK members).</summary>
    public static byte[]? Decode(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var bytes = new byte[DecodedLength(text.Length)];
        return TryDecode(text, bytes, out var written) && written == bytes.Length ? bytes : null;
    }

    private static int Value(char c) => c switch
    {
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a' + 26,
        >= '0' and <= '9' => c - '0' + 52,
        '-' => 62,
        _ => 63,
    };
}

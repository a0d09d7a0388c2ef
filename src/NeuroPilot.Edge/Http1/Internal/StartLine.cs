namespace NeuroPilot.Edge.Http1.Internal;

/// <summary>The pieces of the start lines both parsers share.</summary>
internal static class StartLine
{
    public const int Malformed = -1;
    public const int Unsupported = -2;

    /// <summary>
    /// <c>HTTP-version = "HTTP/" DIGIT "." DIGIT</c>, case-sensitive (RFC 9112 §2.3): the minor version for 1.0 and
    /// 1.1, <see cref="Unsupported"/> for any other well-formed version, <see cref="Malformed"/> for anything else.
    /// </summary>
    public static int ParseVersion(ReadOnlySpan<byte> version)
    {
        if (version.Length != 8 || !version.StartsWith("HTTP/"u8) || version[6] != (byte)'.'
            || !char.IsAsciiDigit((char)version[5]) || !char.IsAsciiDigit((char)version[7]))
        {
            return Malformed;
        }

        return version[5] == (byte)'1' && version[7] is (byte)'0' or (byte)'1' ? version[7] - '0' : Unsupported;
    }
}

using System.Text;

namespace NeuroPilot.Edge.Forwarding.Internal;

/// <summary>
/// The name and value strings of the response fields an upstream connection sent last, by position: an upstream
/// sends the same fields in the same order response after response, so the strings are made once and reused while
/// the bytes are equal (a <c>Date</c> changes once a second). Field bytes are Latin-1 (RFC 9110 §5.5 obs-text). Only
/// the first <see cref="Capacity"/> fields of at most <see cref="MaxCachedFieldBytes"/> bytes each are kept, so a
/// connection holds at most ~25 KiB of them (bytes and UTF-16 strings) whatever an upstream sends.
/// </summary>
internal sealed class FieldStrings
{
    internal const int Capacity = 32;

    /// <summary>Name and value bytes of the largest field kept (a longer one is made into strings for that response only).</summary>
    internal const int MaxCachedFieldBytes = 256;

    private readonly byte[]?[] _bytes = new byte[]?[Capacity];
    private readonly string[] _names = new string[Capacity];
    private readonly string[] _values = new string[Capacity];
    private readonly int[] _nameLengths = new int[Capacity];

    public (string Name, string Value) Get(int index, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (index >= Capacity || name.Length + value.Length > MaxCachedFieldBytes)
        {
            return (Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(value));
        }

        var kept = _bytes[index];
        if (kept is not null && _nameLengths[index] == name.Length && kept.Length == name.Length + value.Length &&
            kept.AsSpan(0, name.Length).SequenceEqual(name) && kept.AsSpan(name.Length).SequenceEqual(value))
        {
            return (_names[index], _values[index]);
        }

        var sameName = kept is not null && _nameLengths[index] == name.Length && kept.AsSpan(0, name.Length).SequenceEqual(name);
        var nameText = sameName ? _names[index] : Encoding.Latin1.GetString(name);
        var valueText = Encoding.Latin1.GetString(value);
        var bytes = kept is not null && kept.Length == name.Length + value.Length ? kept : new byte[name.Length + value.Length];
        name.CopyTo(bytes);
        value.CopyTo(bytes.AsSpan(name.Length));
        _bytes[index] = bytes;
        _nameLengths[index] = name.Length;
        _names[index] = nameText;
        _values[index] = valueText;
        return (nameText, valueText);
    }
}

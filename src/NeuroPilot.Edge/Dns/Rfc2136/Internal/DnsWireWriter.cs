using System.Buffers.Binary;
using System.Text;

namespace NeuroPilot.Edge.Dns.Rfc2136.Internal;

/// <summary>
/// Writes the DNS wire format (RFC 1035 section 4) into a growing buffer, big-endian, names uncompressed. Invalid
/// input (a label over 63 bytes, a name over 255) throws <see cref="FormatException"/>.
/// </summary>
internal sealed class DnsWireWriter
{
    private byte[] _buffer;

    public DnsWireWriter(int capacity = 512) => _buffer = new byte[capacity];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, Length);

    public byte[] ToArray() => WrittenSpan.ToArray();

    public void WriteUInt8(byte value) => Reserve(1)[0] = value;

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Reserve(2), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Reserve(4), value);

    /// <summary>The 48-bit unsigned integer of TSIG's Time Signed.</summary>
    public void WriteUInt48(long value)
    {
        var span = Reserve(6);
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)(value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(span[2..], (uint)value);
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    /// <summary>Overwrites a 16-bit value already written (a count in the header, an RDLENGTH).</summary>
    public void PatchUInt16(int offset, ushort value) => BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(offset, 2), value);

    /// <summary>Writes <paramref name="name"/> (<c>api.example.com</c>, a trailing dot or not; <c>""</c> or <c>.</c> is the root) as lower-case labels.</summary>
    public void WriteName(string name)
    {
        var start = Length;
        var trimmed = name.EndsWith('.') ? name[..^1] : name;
        if (trimmed.Length > 0)
        {
            foreach (var label in trimmed.Split('.'))
            {
                if (label.Length == 0)
                {
                    throw new FormatException($"DNS name \"{name}\" has an empty label");
                }

                var bytes = Encoding.ASCII.GetByteCount(label);
                if (bytes > 63 || !Ascii.IsValid(label))
                {
                    throw new FormatException($"DNS name \"{name}\" has a label that is not ASCII of at most 63 bytes: \"{label}\"");
                }

                WriteUInt8((byte)bytes);
                var span = Reserve(bytes);
                Ascii.ToLower(label, span, out _);
            }
        }

        WriteUInt8(0);
        if (Length - start > 255)
        {
            throw new FormatException($"DNS name \"{name}\" is longer than 255 bytes on the wire");
        }
    }

    /// <summary>Writes one DNS character-string (length byte, then at most 255 bytes).</summary>
    public void WriteCharacterString(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 255)
        {
            throw new FormatException("a DNS character-string holds at most 255 bytes");
        }

        WriteUInt8((byte)bytes.Length);
        WriteBytes(bytes);
    }

    private Span<byte> Reserve(int count)
    {
        if (Length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + count));
        }

        var span = _buffer.AsSpan(Length, count);
        Length += count;
        return span;
    }
}

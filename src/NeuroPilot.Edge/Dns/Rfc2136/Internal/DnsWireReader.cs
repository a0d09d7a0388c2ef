using System.Buffers.Binary;
using System.Text;

namespace NeuroPilot.Edge.Dns.Rfc2136.Internal;

/// <summary>
/// Reads the DNS wire format from a whole message, following compression pointers (RFC 1035 4.1.4) in names.
/// A truncated or malformed message throws <see cref="FormatException"/>.
/// </summary>
internal sealed class DnsWireReader(ReadOnlyMemory<byte> message)
{
    private const int MaxPointerJumps = 64;

    public ReadOnlyMemory<byte> Message { get; } = message;

    public int Position { get; set; }

    public byte ReadUInt8() => Take(1)[0];

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

    public long ReadUInt48()
    {
        var span = Take(6);
        return ((long)BinaryPrimitives.ReadUInt16BigEndian(span) << 32) | BinaryPrimitives.ReadUInt32BigEndian(span[2..]);
    }

    public ReadOnlySpan<byte> ReadBytes(int count) => Take(count);

    public void Skip(int count) => Take(count);

    /// <summary>Reads a name, lower case without the trailing dot (<c>""</c> for the root).</summary>
    public string ReadName()
    {
        var builder = new StringBuilder();
        var span = Message.Span;
        var position = Position;
        var jumps = 0;
        var wireLength = 0;
        int? resumeAt = null;
        while (true)
        {
            if (position >= span.Length)
            {
                throw new FormatException("DNS name runs past the end of the message");
            }

            var length = span[position];
            if ((length & 0xC0) == 0xC0)
            {
                if (position + 1 >= span.Length || ++jumps > MaxPointerJumps)
                {
                    throw new FormatException("DNS name has a bad compression pointer");
                }

                resumeAt ??= position + 2;
                position = ((length & 0x3F) << 8) | span[position + 1];
                continue;
            }

            if ((length & 0xC0) != 0)
            {
                throw new FormatException($"DNS name has an unknown label type 0x{length:x2}");
            }

            position++;
            if (length == 0)
            {
                break;
            }

            if (position + length > span.Length || (wireLength += length + 1) > 255)
            {
                throw new FormatException("DNS name runs past the end of the message or is longer than 255 bytes");
            }

            if (builder.Length > 0)
            {
                builder.Append('.');
            }

            foreach (var b in span.Slice(position, length))
            {
                builder.Append((char)(b is >= (byte)'A' and <= (byte)'Z' ? b + 32 : b));
            }

            position += length;
        }

        Position = resumeAt ?? position;
        return builder.ToString();
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || Position + count > Message.Length)
        {
            throw new FormatException("DNS message is truncated");
        }

        var span = Message.Span.Slice(Position, count);
        Position += count;
        return span;
    }
}

namespace NeuroPilot.Edge.Dns.Rfc2136.Internal;

/// <summary>
/// The parts of an answer to an UPDATE that the provider checks: header, RCODE and the TSIG record (the last record
/// of the additional section) with where it starts. Parsing walks every section, so compressed names are followed.
/// </summary>
internal sealed class DnsResponse
{
    private DnsResponse(ReadOnlyMemory<byte> bytes, ushort id, ushort flags, ushort arCount, TsigRecord? tsig, int tsigOffset)
    {
        Bytes = bytes;
        Id = id;
        Flags = flags;
        ArCount = arCount;
        Tsig = tsig;
        TsigOffset = tsigOffset;
    }

    public ReadOnlyMemory<byte> Bytes { get; }

    public ushort Id { get; }

    public ushort Flags { get; }

    public bool IsResponse => (Flags & 0x8000) != 0;

    public int Opcode => (Flags >> 11) & 0xF;

    public int Rcode => Flags & 0xF;

    public ushort ArCount { get; }

    public TsigRecord? Tsig { get; }

    /// <summary>Where the TSIG record starts (the message length when there is none).</summary>
    public int TsigOffset { get; }

    /// <summary>Parses <paramref name="bytes"/>; a malformed message throws <see cref="FormatException"/>.</summary>
    public static DnsResponse Parse(ReadOnlyMemory<byte> bytes)
    {
        var reader = new DnsWireReader(bytes);
        var id = reader.ReadUInt16();
        var flags = reader.ReadUInt16();
        var qdCount = reader.ReadUInt16();
        var anCount = reader.ReadUInt16();
        var nsCount = reader.ReadUInt16();
        var arCount = reader.ReadUInt16();
        for (var i = 0; i < qdCount; i++)
        {
            reader.ReadName();
            reader.Skip(4);
        }

        var records = anCount + nsCount + arCount;
        TsigRecord? tsig = null;
        var tsigOffset = bytes.Length;
        for (var i = 0; i < records; i++)
        {
            var start = reader.Position;
            var name = reader.ReadName();
            var type = reader.ReadUInt16();
            reader.Skip(6);
            var rdLength = reader.ReadUInt16();
            var rdataEnd = reader.Position + rdLength;
            if (type == DnsConstants.TypeTsig)
            {
                if (i != records - 1 || arCount == 0)
                {
                    throw new FormatException("TSIG record is not the last record of the additional section");
                }

                tsig = ReadTsig(reader, name);
                tsigOffset = start;
                if (reader.Position != rdataEnd)
                {
                    throw new FormatException("TSIG record length does not match its content");
                }
            }

            reader.Position = start;
            reader.ReadName();
            reader.Skip(10 + rdLength);
        }

        return new DnsResponse(bytes, id, flags, arCount, tsig, tsigOffset);
    }

    private static TsigRecord ReadTsig(DnsWireReader reader, string keyName)
    {
        var algorithm = reader.ReadName();
        var timeSigned = reader.ReadUInt48();
        var fudge = reader.ReadUInt16();
        var mac = reader.ReadBytes(reader.ReadUInt16()).ToArray();
        var originalId = reader.ReadUInt16();
        var error = reader.ReadUInt16();
        var otherData = reader.ReadBytes(reader.ReadUInt16()).ToArray();
        return new TsigRecord(keyName, algorithm, timeSigned, fudge, mac, originalId, error, otherData);
    }
}

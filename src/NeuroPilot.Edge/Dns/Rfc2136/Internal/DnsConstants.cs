using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Dns.Rfc2136.Internal;

/// <summary>The numbers of the wire format that this provider uses (RFC 1035, 2136, 8945; IANA DNS parameters).</summary>
internal static class DnsConstants
{
    public const int HeaderLength = 12;
    public const int ArCountOffset = 10;

    public const ushort OpcodeUpdate = 5;

    public const ushort TypeA = 1;
    public const ushort TypeCname = 5;
    public const ushort TypeSoa = 6;
    public const ushort TypeTxt = 16;
    public const ushort TypeAaaa = 28;
    public const ushort TypeTsig = 250;

    public const ushort ClassIn = 1;
    public const ushort ClassNone = 254;
    public const ushort ClassAny = 255;

    public static ushort TypeCode(DnsRecordType type) => type switch
    {
        DnsRecordType.A => TypeA,
        DnsRecordType.AAAA => TypeAaaa,
        DnsRecordType.CNAME => TypeCname,
        DnsRecordType.TXT => TypeTxt,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a record type the provider writes"),
    };
}

using System.Net;
using System.Net.Sockets;
using System.Text;
using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Dns.Rfc2136.Internal;

/// <summary>The RDATA of the record types the provider writes, from the canonical values of <see cref="DnsRecordSet"/>.</summary>
internal static class DnsRecordData
{
    private const int MaxCharacterString = 255;

    /// <summary>Writes RDLENGTH then RDATA of one record; a value that does not fit its type throws <see cref="FormatException"/>.</summary>
    public static void Write(DnsWireWriter writer, DnsRecordType type, string value)
    {
        var lengthAt = writer.Length;
        writer.WriteUInt16(0);
        switch (type)
        {
            case DnsRecordType.A:
                writer.WriteBytes(ParseAddress(value, AddressFamily.InterNetwork).GetAddressBytes());
                break;
            case DnsRecordType.AAAA:
                writer.WriteBytes(ParseAddress(value, AddressFamily.InterNetworkV6).GetAddressBytes());
                break;
            case DnsRecordType.CNAME:
                writer.WriteName(value);
                break;
            case DnsRecordType.TXT:
                // One value is one TXT record; longer than 255 bytes it is split into character-strings, which a
                // reader joins again.
                var bytes = Encoding.UTF8.GetBytes(value);
                var offset = 0;
                do
                {
                    var chunk = Math.Min(MaxCharacterString, bytes.Length - offset);
                    writer.WriteCharacterString(bytes.AsSpan(offset, chunk));
                    offset += chunk;
                }
                while (offset < bytes.Length);
                break;
            default:
                throw new FormatException($"record type {type} is not supported");
        }

        var length = writer.Length - lengthAt - 2;
        if (length > ushort.MaxValue)
        {
            throw new FormatException($"{type} value is too long for one record");
        }

        writer.PatchUInt16(lengthAt, (ushort)length);
    }

    private static IPAddress ParseAddress(string value, AddressFamily family) =>
        // Canonical spelling only (what a read returns), so a written set compares equal to the set read back.
        IPAddress.TryParse(value, out var address) && address.AddressFamily == family && address.ToString() == value
            ? address
            : throw new FormatException(address is not null && address.AddressFamily == family
                ? $"\"{value}\" is not in canonical form (\"{address}\"): it would never compare equal to what the server serves"
                : $"\"{value}\" is not an {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address");
}

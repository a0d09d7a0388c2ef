using System.Buffers.Binary;
using System.Security.Cryptography;
using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Dns.Rfc2136.Internal;

/// <summary>
/// Signs DNS messages and verifies the answers with TSIG (RFC 8945), hmac-sha256 or hmac-sha512, full-length MACs.
/// The key name and the algorithm name enter the MAC in canonical wire form (lower case, uncompressed, RFC 8945
/// 4.3.3). The secret stays in this object; nothing here puts it in a message or an exception.
/// </summary>
internal sealed class TsigSigner : IDisposable
{
    /// <summary>Fudge of 300 s, as RFC 8945 recommends.</summary>
    public const ushort DefaultFudge = 300;

    public static readonly IReadOnlyList<string> SupportedAlgorithms = ["hmac-sha256", "hmac-sha512"];

    private readonly byte[] _secret;
    private readonly byte[] _keyNameWire;
    private readonly byte[] _algorithmWire;

    public TsigSigner(string keyName, string algorithm, ReadOnlySpan<byte> secret, ushort fudge = DefaultFudge)
    {
        Algorithm = algorithm.TrimEnd('.').ToLowerInvariant();
        if (!SupportedAlgorithms.Contains(Algorithm))
        {
            throw new ArgumentException($"TSIG algorithm \"{algorithm}\" is not supported (use {string.Join(" or ", SupportedAlgorithms)})", nameof(algorithm));
        }

        if (secret.IsEmpty)
        {
            throw new ArgumentException("the TSIG secret is empty", nameof(secret));
        }

        KeyName = DnsNames.Normalize(keyName);
        Fudge = fudge;
        _secret = secret.ToArray();
        _keyNameWire = WireName(KeyName);
        _algorithmWire = WireName(Algorithm);
    }

    /// <summary>Canonical key name (<c>edge-key</c>).</summary>
    public string KeyName { get; }

    /// <summary><c>hmac-sha256</c> or <c>hmac-sha512</c>.</summary>
    public string Algorithm { get; }

    public ushort Fudge { get; }

    public static bool IsSupported(string algorithm) => SupportedAlgorithms.Contains(algorithm.TrimEnd('.').ToLowerInvariant());

    /// <summary>
    /// Returns <paramref name="message"/> (a whole DNS message without TSIG) with a TSIG record appended and ARCOUNT
    /// raised by one, and the request MAC that the answer's MAC covers.
    /// </summary>
    public (byte[] Message, byte[] Mac) Sign(ReadOnlySpan<byte> message, DateTimeOffset now)
    {
        if (message.Length < DnsConstants.HeaderLength)
        {
            throw new ArgumentException("not a DNS message", nameof(message));
        }

        var timeSigned = now.ToUnixTimeSeconds();
        var id = BinaryPrimitives.ReadUInt16BigEndian(message);

        var digest = new DnsWireWriter(message.Length + 64);
        digest.WriteBytes(message);
        WriteVariables(digest, timeSigned, error: 0, otherData: []);
        var mac = ComputeMac(digest.WrittenSpan);

        var signed = new DnsWireWriter(message.Length + 128);
        signed.WriteBytes(message);
        signed.PatchUInt16(DnsConstants.ArCountOffset, (ushort)(BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.ArCountOffset..]) + 1));
        signed.WriteBytes(_keyNameWire);
        signed.WriteUInt16(DnsConstants.TypeTsig);
        signed.WriteUInt16(DnsConstants.ClassAny);
        signed.WriteUInt32(0);
        var rdLengthAt = signed.Length;
        signed.WriteUInt16(0);
        signed.WriteBytes(_algorithmWire);
        signed.WriteUInt48(timeSigned);
        signed.WriteUInt16(Fudge);
        signed.WriteUInt16((ushort)mac.Length);
        signed.WriteBytes(mac);
        signed.WriteUInt16(id);
        signed.WriteUInt16(0);
        signed.WriteUInt16(0);
        signed.PatchUInt16(rdLengthAt, (ushort)(signed.Length - rdLengthAt - 2));
        return (signed.ToArray(), mac);
    }

    /// <summary>
    /// Checks the TSIG of an answer to a request signed with <paramref name="requestMac"/> (RFC 8945 5.3: the request
    /// MAC, prefixed by its length, then the answer without its TSIG and with its original id, then the variables).
    /// </summary>
    public TsigVerification Verify(DnsResponse response, ReadOnlySpan<byte> requestMac, DateTimeOffset now)
    {
        if (response.Tsig is not { } tsig)
        {
            return TsigVerification.Missing;
        }

        if (tsig.KeyName != KeyName || tsig.Algorithm != Algorithm)
        {
            return TsigVerification.WrongKey;
        }

        if (tsig.Mac.Length == 0)
        {
            return TsigVerification.Unsigned;
        }

        var unsigned = response.Bytes.Span[..response.TsigOffset];
        var digest = new DnsWireWriter(requestMac.Length + unsigned.Length + 64);
        digest.WriteUInt16((ushort)requestMac.Length);
        digest.WriteBytes(requestMac);
        var messageAt = digest.Length;
        digest.WriteBytes(unsigned);
        digest.PatchUInt16(messageAt, tsig.OriginalId);
        digest.PatchUInt16(messageAt + DnsConstants.ArCountOffset, (ushort)(response.ArCount - 1));
        WriteVariables(digest, tsig.TimeSigned, tsig.Error, tsig.OtherData);
        var expected = ComputeMac(digest.WrittenSpan);
        if (!CryptographicOperations.FixedTimeEquals(expected, tsig.Mac))
        {
            return TsigVerification.BadMac;
        }

        return Math.Abs(now.ToUnixTimeSeconds() - tsig.TimeSigned) > tsig.Fudge ? TsigVerification.BadTime : TsigVerification.Valid;
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_secret);

    private void WriteVariables(DnsWireWriter writer, long timeSigned, ushort error, ReadOnlySpan<byte> otherData)
    {
        writer.WriteBytes(_keyNameWire);
        writer.WriteUInt16(DnsConstants.ClassAny);
        writer.WriteUInt32(0);
        writer.WriteBytes(_algorithmWire);
        writer.WriteUInt48(timeSigned);
        writer.WriteUInt16(Fudge);
        writer.WriteUInt16(error);
        writer.WriteUInt16((ushort)otherData.Length);
        writer.WriteBytes(otherData);
    }

    private byte[] ComputeMac(ReadOnlySpan<byte> data) =>
        Algorithm == "hmac-sha512" ? HMACSHA512.HashData(_secret, data) : HMACSHA256.HashData(_secret, data);

    private static byte[] WireName(string name)
    {
        var writer = new DnsWireWriter(64);
        writer.WriteName(name);
        return writer.ToArray();
    }
}

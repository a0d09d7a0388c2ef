using System.Buffers.Binary;
using System.Net;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns;
using NeuroPilot.Edge.Dns.Rfc2136.Internal;
using NeuroPilot.Edge.Tests.TestKit.Dns;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Dns.Rfc2136;

/// <summary>
/// TSIG (RFC 8945) signing and answer verification, checked two independent ways: against vectors made with
/// dnspython 2.3 (Debian python3-dnspython; the script is in the comment below) and against a real Knot server,
/// which must accept what we sign and whose signed answers must verify.
/// </summary>
public sealed class TsigSignerTests(ITestOutputHelper output)
{
    // Made with:
    //   time.time = lambda: 1700000000; secret = bytes(range(32)); key = dns.tsig.Key("edge-key.", secret, alg)
    //   u = dns.update.UpdateMessage("example.com.", id=0x1234); u.present("api", "A", "192.0.2.1")
    //   u.delete("api", "A"); u.add("api", 60, "A", "198.51.100.10"); u.use_tsig(key, fudge=300); u.to_wire()
    //   response: dns.message.make_response(request) signed at time 1700000001, .to_wire()
    // dnspython compresses names (c00c, c01d), which the MAC covers as sent: the vector also exercises the reader.
    private const long VectorTime = 1700000000;

    private static readonly byte[] VectorSecret = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];

    public static TheoryData<string, string, string, string> Vectors => new()
    {
        {
            "hmac-sha256",
            "123428000001000100020001076578616d706c6503636f6d000006000103617069c00c00010001000000000004c0000201c01d000100ff000000000000c01d000100010000003c0004c633640a08656467652d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006553f100012c0020705db5ae503f3f4471cfff442e6e7fb1ddf1b6027877b3c52363daba0f42287f123400000000",
            "705db5ae503f3f4471cfff442e6e7fb1ddf1b6027877b3c52363daba0f42287f",
            "1234a8000001000000000001076578616d706c6503636f6d000006000108656467652d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006553f101012c0020a2fd30f17c4eaddc95cde59c874630c71a49d123e4120c0fbe2bf4915826f2be123400000000"
        },
        {
            "hmac-sha512",
            "123428000001000100020001076578616d706c6503636f6d000006000103617069c00c00010001000000000004c0000201c01d000100ff000000000000c01d000100010000003c0004c633640a08656467652d6b65790000fa00ff00000000005d0b686d61632d7368613531320000006553f100012c0040940b59dc04a563609011a2a271dce266a90e5719b2adc18785d4eae2c974d036979f9e560d2431883d1896f6198f0b185f13aa2582ba97e29f3ed0b2da7d8b16123400000000",
            "940b59dc04a563609011a2a271dce266a90e5719b2adc18785d4eae2c974d036979f9e560d2431883d1896f6198f0b185f13aa2582ba97e29f3ed0b2da7d8b16",
            "1234a8000001000000000001076578616d706c6503636f6d000006000108656467652d6b65790000fa00ff00000000005d0b686d61632d7368613531320000006553f101012c0040ff3f62813b71c9a1e8daafdc9fdb89b87b5fb1b011b73710ea7a0f3de177d7806870c59380883045b6bfd1185e10e6e30ed0aa9cc4105f62ec4bdd245139d520123400000000"
        },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Sign_DnspythonsUnsignedMessage_GivesDnspythonsSignedMessageByteForByte(string algorithm, string requestHex, string macHex, string responseHex)
    {
        _ = responseHex;
        var request = Convert.FromHexString(requestHex);
        var unsigned = StripTsig(request);
        using var signer = new TsigSigner("edge-key", algorithm, VectorSecret);

        var (signed, mac) = signer.Sign(unsigned, DateTimeOffset.FromUnixTimeSeconds(VectorTime));

        Assert.Equal(macHex, Convert.ToHexStringLower(mac));
        Assert.Equal(requestHex, Convert.ToHexStringLower(signed));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Verify_DnspythonsSignedAnswer_IsValid(string algorithm, string requestHex, string macHex, string responseHex)
    {
        _ = requestHex;
        using var signer = new TsigSigner("Edge-Key.", algorithm.ToUpperInvariant(), VectorSecret);

        var result = signer.Verify(DnsResponse.Parse(Convert.FromHexString(responseHex)), Convert.FromHexString(macHex), DateTimeOffset.FromUnixTimeSeconds(VectorTime));

        Assert.Equal(TsigVerification.Valid, result);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Verify_AnswerWithOneBitFlipped_IsBadMac(string algorithm, string requestHex, string macHex, string responseHex)
    {
        _ = requestHex;
        using var signer = new TsigSigner("edge-key", algorithm, VectorSecret);
        var response = Convert.FromHexString(responseHex);
        response[3] ^= 0x01; // RCODE NOERROR -> FORMERR

        var result = signer.Verify(DnsResponse.Parse(response), Convert.FromHexString(macHex), DateTimeOffset.FromUnixTimeSeconds(VectorTime));

        Assert.Equal(TsigVerification.BadMac, result);
    }

    [Fact]
    public void Verify_AnswerToAnotherRequest_IsBadMac()
    {
        var (_, requestHex, macHex, responseHex) = Vector(0);
        _ = requestHex;
        using var signer = new TsigSigner("edge-key", "hmac-sha256", VectorSecret);
        var otherRequestMac = Convert.FromHexString(macHex);
        otherRequestMac[0] ^= 0x80;

        var result = signer.Verify(DnsResponse.Parse(Convert.FromHexString(responseHex)), otherRequestMac, DateTimeOffset.FromUnixTimeSeconds(VectorTime));

        Assert.Equal(TsigVerification.BadMac, result);
    }

    [Fact]
    public void Verify_WithAnotherSecret_IsBadMac()
    {
        var (_, _, macHex, responseHex) = Vector(0);
        using var signer = new TsigSigner("edge-key", "hmac-sha256", new byte[32]);

        var result = signer.Verify(DnsResponse.Parse(Convert.FromHexString(responseHex)), Convert.FromHexString(macHex), DateTimeOffset.FromUnixTimeSeconds(VectorTime));

        Assert.Equal(TsigVerification.BadMac, result);
    }

    [Fact]
    public void Verify_ValidMacOutsideTheFudgeWindow_IsBadTime()
    {
        var (_, _, macHex, responseHex) = Vector(0);
        using var signer = new TsigSigner("edge-key", "hmac-sha256", VectorSecret);

        var result = signer.Verify(DnsResponse.Parse(Convert.FromHexString(responseHex)), Convert.FromHexString(macHex), DateTimeOffset.FromUnixTimeSeconds(VectorTime + 302));

        Assert.Equal(TsigVerification.BadTime, result);
    }

    [Fact]
    public void Verify_AnswerSignedWithAnotherKeyName_IsWrongKey()
    {
        var (_, _, macHex, responseHex) = Vector(0);
        using var signer = new TsigSigner("other-key", "hmac-sha256", VectorSecret);

        var result = signer.Verify(DnsResponse.Parse(Convert.FromHexString(responseHex)), Convert.FromHexString(macHex), DateTimeOffset.FromUnixTimeSeconds(VectorTime));

        Assert.Equal(TsigVerification.WrongKey, result);
    }

    [Fact]
    public void Verify_UnsignedAnswer_IsMissing()
    {
        var (_, _, macHex, responseHex) = Vector(0);
        using var signer = new TsigSigner("edge-key", "hmac-sha256", VectorSecret);
        var unsigned = StripTsig(Convert.FromHexString(responseHex));

        var result = signer.Verify(DnsResponse.Parse(unsigned), Convert.FromHexString(macHex), DateTimeOffset.FromUnixTimeSeconds(VectorTime));

        Assert.Equal(TsigVerification.Missing, result);
    }

    [Fact]
    public void Constructor_UnsupportedAlgorithm_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => new TsigSigner("edge-key", "hmac-md5", VectorSecret));

        Assert.Contains("hmac-sha256", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hmac-sha256")]
    [InlineData("hmac-sha512")]
    public async Task Sign_UpdateAcceptedByKnot_AndKnotsSignedAnswerVerifies(string algorithm)
    {
        using var knot = await KnotServer.StartAsync(algorithm: algorithm);
        using var signer = new TsigSigner(knot.KeyName, algorithm, Convert.FromBase64String(knot.Secret));
        var unsigned = UpdateMessage.Build(0x4242, knot.Zone, [new DnsChange(null, new DnsRecordSet("api.example.com", DnsRecordType.A, 60, ["198.51.100.10"]))]);
        var (signed, requestMac) = signer.Sign(unsigned, DateTimeOffset.UtcNow);

        var answer = await DnsTcpExchange.ExchangeAsync(new IPEndPoint(IPAddress.Loopback, knot.Port), signed, TimeSpan.FromSeconds(5), TimeProvider.System, CancellationToken.None);

        var response = DnsResponse.Parse(answer);
        output.WriteLine($"rcode {DnsRcode.Name(response.Rcode)}, TSIG error {response.Tsig?.Error}, knotd:\n{knot.Output.Tail(10)}");
        Assert.Equal(DnsRcode.NoError, response.Rcode);
        Assert.Equal(0x4242, response.Id);
        Assert.Equal(TsigVerification.Valid, signer.Verify(response, requestMac, DateTimeOffset.UtcNow));
        Assert.Equal("198.51.100.10", await knot.DigAsync("api.example.com", "A"));
    }

    [Fact]
    public void ReadName_FollowsCompressionPointers()
    {
        var request = Convert.FromHexString(Vector(0).RequestHex);
        var reader = new DnsWireReader(request) { Position = 12 };

        Assert.Equal("example.com", reader.ReadName());
        reader.Skip(4);
        Assert.Equal("api.example.com", reader.ReadName()); // 03 api c0 0c
        reader.Skip(8);
        Assert.Equal(4, reader.ReadUInt16());
    }

    [Fact]
    public void ReadName_PointerLoop_ThrowsFormatException()
    {
        byte[] message = [.. new byte[12], 0xC0, 12];
        var reader = new DnsWireReader(message) { Position = 12 };

        Assert.Throws<FormatException>(() => reader.ReadName());
    }

    private static (string Algorithm, string RequestHex, string MacHex, string ResponseHex) Vector(int index)
    {
        var row = Vectors.ElementAt(index);
        return ((string)row[0], (string)row[1], (string)row[2], (string)row[3]);
    }

    /// <summary>The message without its TSIG record, ARCOUNT lowered by one: what was signed.</summary>
    private static byte[] StripTsig(byte[] message)
    {
        var parsed = DnsResponse.Parse(message);
        var unsigned = message[..parsed.TsigOffset];
        BinaryPrimitives.WriteUInt16BigEndian(unsigned.AsSpan(10), (ushort)(parsed.ArCount - 1));
        return unsigned;
    }
}

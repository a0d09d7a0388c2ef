using System.Buffers.Text;
using System.Security.Cryptography;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace NeuroPilot.Edge.Tests.Authentication;

/// <summary>
/// A key pair that signs test tokens: Ed25519 (BouncyCastle, as the edge verifies with it), P-256 and RSA (the
/// platform). <see cref="Jwk"/> is its public JWK, as an identity provider publishes it.
/// </summary>
public sealed class TestSigningKey
{
    private readonly Func<byte[], byte[]> _sign;

    private TestSigningKey(string alg, string? kid, string publicMembers, Func<byte[], byte[]> sign)
    {
        Alg = alg;
        Kid = kid;
        PublicMembers = publicMembers;
        _sign = sign;
    }

    /// <summary>The JWS <c>alg</c> this key signs with.</summary>
    public string Alg { get; }

    public string? Kid { get; }

    /// <summary>The JWK members without <c>kid</c> (<c>"kty": "EC", "crv": ..., "x": ..., "y": ...</c>).</summary>
    public string PublicMembers { get; }

    /// <summary>The public JWK as JSON, with its kid when it has one.</summary>
    public string Jwk => Kid is null ? $$"""{ {{PublicMembers}} }""" : $$"""{ "kid": "{{Kid}}", {{PublicMembers}} }""";

    /// <summary>For RSA keys: the public key as PEM (what an HS256 confusion attack uses as its "secret").</summary>
    public string? PublicKeyPem { get; private init; }

    public static TestSigningKey Ed25519Key(string? kid)
    {
        var secret = RandomNumberGenerator.GetBytes(Ed25519.SecretKeySize);
        var publicKey = new byte[Ed25519.PublicKeySize];
        Ed25519.GeneratePublicKey(secret, publicKey);
        return new TestSigningKey("EdDSA", kid, $"\"kty\": \"OKP\", \"crv\": \"Ed25519\", \"x\": \"{Encode(publicKey)}\"", input =>
        {
            var signature = new byte[Ed25519.SignatureSize];
            Ed25519.Sign(secret, 0, input, 0, input.Length, signature, 0);
            return signature;
        });
    }

    public static TestSigningKey Es256Key(string? kid)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var q = key.ExportParameters(false).Q;
        return new TestSigningKey("ES256", kid, $"\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"{Encode(q.X!)}\", \"y\": \"{Encode(q.Y!)}\"",
            input => key.SignData(input, HashAlgorithmName.SHA256));
    }

    public static TestSigningKey Rs256Key(string? kid, int bits = 2048)
    {
        var key = RSA.Create(bits);
        var parameters = key.ExportParameters(false);
        return new TestSigningKey("RS256", kid, $"\"kty\": \"RSA\", \"n\": \"{Encode(parameters.Modulus!)}\", \"e\": \"{Encode(parameters.Exponent!)}\"",
            input => key.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            PublicKeyPem = key.ExportSubjectPublicKeyInfoPem(),
        };
    }

    /// <summary>The same key pair under another kid.</summary>
    public TestSigningKey WithKid(string? kid) => new(Alg, kid, PublicMembers, _sign) { PublicKeyPem = PublicKeyPem };

    public byte[] Sign(byte[] input) => _sign(input);

    public static string Encode(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);
}

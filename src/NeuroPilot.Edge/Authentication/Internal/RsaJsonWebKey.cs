using System.Security.Cryptography;
using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Authentication.Internal;

/// <summary>An RSA public key of at least 2048 bits (the platform's RSA); RS256 is PKCS #1 v1.5 with SHA-256.</summary>
internal sealed class RsaJsonWebKey(string? kid, RSA key, int modulusBytes) : JsonWebKey(kid, JwtAlgorithm.RS256)
{
    public const int MinBits = 2048;
    public const int MaxBits = 8192;

    internal override bool Verify(ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature) =>
        signature.Length == modulusBytes && key.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
}

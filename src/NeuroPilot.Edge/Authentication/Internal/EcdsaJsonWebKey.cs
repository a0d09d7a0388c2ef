using System.Security.Cryptography;
using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Authentication.Internal;

/// <summary>
/// A P-256 public key (the platform's ECDsa, OpenSSL on Linux). A JWS ES256 signature is r || s, 64 bytes: the
/// platform's default (IEEE P1363) format. Verification creates its OpenSSL context per call, so one instance
/// serves concurrent requests.
/// </summary>
internal sealed class EcdsaJsonWebKey(string? kid, ECDsa key) : JsonWebKey(kid, JwtAlgorithm.ES256)
{
    public const int CoordinateSize = 32;
    public const int SignatureSize = 64;

    internal override bool Verify(ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature) =>
        signature.Length == SignatureSize && key.VerifyData(signingInput, signature, HashAlgorithmName.SHA256);
}

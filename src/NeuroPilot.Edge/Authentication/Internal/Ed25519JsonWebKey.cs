using Org.BouncyCastle.Math.EC.Rfc8032;
using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Authentication.Internal;

/// <summary>
/// An Ed25519 public key (BouncyCastle's RFC 8032 implementation: .NET has none). The point is decoded and checked
/// once, at load (<c>ValidatePublicKeyFullExport</c>); a verification reuses it.
/// </summary>
internal sealed class Ed25519JsonWebKey(string? kid, Ed25519.PublicPoint point) : JsonWebKey(kid, JwtAlgorithm.EdDSA)
{
    public const int PublicKeySize = 32;
    public const int SignatureSize = 64;

    internal override bool Verify(ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature) =>
        signature.Length == SignatureSize && Ed25519.Verify(signature, point, signingInput);
}

using System.Text;
using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Authentication;

/// <summary>
/// One usable public key of a JWKS file, bound to the one algorithm of its type (<c>OKP</c>/<c>Ed25519</c>: EdDSA,
/// <c>EC</c>/<c>P-256</c>: ES256, <c>RSA</c>: RS256). Parsed once per file change; read concurrently by requests.
/// </summary>
public abstract class JsonWebKey
{
    private protected JsonWebKey(string? kid, JwtAlgorithm algorithm)
    {
        Kid = kid;
        KidUtf8 = kid is null ? null : Encoding.UTF8.GetBytes(kid);
        Algorithm = algorithm;
    }

    /// <summary>The key's <c>kid</c>, or null when it has none.</summary>
    public string? Kid { get; }

    /// <summary>The only algorithm this key verifies.</summary>
    public JwtAlgorithm Algorithm { get; }

    /// <summary><see cref="Kid"/> as UTF-8, compared with a token's <c>kid</c> without decoding it to a string.</summary>
    internal byte[]? KidUtf8 { get; }

    /// <summary>For logs and <c>check</c>: the type and kid, never key material (<c>EC P-256 "k1"</c>).</summary>
    public override string ToString() => Kid is null ? $"{Algorithm} key without kid" : $"{Algorithm} key \"{Kid}\"";

    /// <summary>Whether <paramref name="signature"/> is this key's JWS signature of <paramref name="signingInput"/>.</summary>
    internal abstract bool Verify(ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature);
}

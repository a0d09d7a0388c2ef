namespace NeuroPilot.Edge.Configuration;

/// <summary>
/// The JWS algorithms the edge verifies. Each belongs to one key type, so a token can only ever be checked with a key
/// of its own kind: no shared-secret (HS*) algorithm, no <c>none</c>, no algorithm confusion.
/// </summary>
public enum JwtAlgorithm
{
    /// <summary>Ed25519 (JWK <c>kty: OKP</c>, <c>crv: Ed25519</c>); tokens say <c>alg: EdDSA</c> (or RFC 9864's <c>Ed25519</c>).</summary>
    EdDSA,

    /// <summary>ECDSA on P-256 with SHA-256 (JWK <c>kty: EC</c>, <c>crv: P-256</c>).</summary>
    ES256,

    /// <summary>RSASSA-PKCS1-v1_5 with SHA-256 (JWK <c>kty: RSA</c>, at least 2048 bits).</summary>
    RS256,
}

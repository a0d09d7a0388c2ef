using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Authentication;
using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Tests.Authentication;

/// <summary>Compact JWS tokens and JWKS files for tests, signed with <see cref="TestSigningKey"/>s.</summary>
public static class TestTokens
{
    public const string Issuer = "https://login.example.test/";
    public const string Audience = "api";

    /// <summary>The unit tests' "now": 2026-06-01T00:00:00Z.</summary>
    public static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    public static long NowSeconds => Now.ToUnixTimeSeconds();

    public static FakeTimeProvider Clock() => new(Now);

    /// <summary>Claims a service with the default options accepts at <see cref="Now"/>.</summary>
    public static string ValidClaims(long? now = null, string extra = "")
    {
        var at = now ?? NowSeconds;
        return $$"""{"iss":"{{Issuer}}","aud":"{{Audience}}","sub":"user-42","iat":{{at - 10}},"nbf":{{at - 10}},"exp":{{at + 300}}{{(extra.Length > 0 ? "," + extra : "")}}}""";
    }

    /// <summary>A token signed by <paramref name="key"/>; the header says its alg and kid unless <paramref name="header"/> is given.</summary>
    public static string Create(TestSigningKey key, string? claims = null, string? header = null)
    {
        header ??= key.Kid is null ? $$"""{"alg":"{{key.Alg}}","typ":"JWT"}""" : $$"""{"alg":"{{key.Alg}}","typ":"JWT","kid":"{{key.Kid}}"}""";
        var signingInput = $"{Part(header)}.{Part(claims ?? ValidClaims())}";
        return $"{signingInput}.{TestSigningKey.Encode(key.Sign(Encoding.ASCII.GetBytes(signingInput)))}";
    }

    /// <summary>A token with any signature bytes (or none).</summary>
    public static string Unsigned(string header, string claims, byte[]? signature = null) =>
        $"{Part(header)}.{Part(claims)}.{(signature is null ? "" : TestSigningKey.Encode(signature))}";

    /// <summary>The classic confusion: <c>alg: HS256</c>, the RSA public key (PEM) used as the HMAC secret.</summary>
    public static string HmacWithPublicKey(TestSigningKey rsa, string? claims = null)
    {
        var signingInput = $"{Part($$"""{"alg":"HS256","typ":"JWT","kid":"{{rsa.Kid}}"}""")}.{Part(claims ?? ValidClaims())}";
        var mac = HMACSHA256.HashData(Encoding.ASCII.GetBytes(rsa.PublicKeyPem!), Encoding.ASCII.GetBytes(signingInput));
        return $"{signingInput}.{TestSigningKey.Encode(mac)}";
    }

    public static string Jwks(params TestSigningKey[] keys) => $$"""{ "keys": [ {{string.Join(", ", keys.Select(k => k.Jwk))}} ] }""";

    public static JsonWebKeySet KeySet(params TestSigningKey[] keys) => JsonWebKeySet.Parse(Encoding.UTF8.GetBytes(Jwks(keys)));

    public static string Part(string json) => TestSigningKey.Encode(Encoding.UTF8.GetBytes(json));

    public static JwtOptions Options(
        IReadOnlyList<JwtAlgorithm>? algorithms = null,
        IReadOnlyList<(string Claim, string Header)>? forward = null,
        IReadOnlyList<string>? anonymous = null,
        bool required = true,
        TimeSpan? skew = null) => new()
        {
            Issuer = Issuer,
            Audiences = ["other-api", Audience],
            KeysFile = "/unused/jwks.json",
            Algorithms = algorithms ?? JwtDefaults.Algorithms,
            ForwardClaims = forward ?? [],
            AnonymousPaths = anonymous ?? [],
            Required = required,
            ClockSkew = skew ?? JwtDefaults.ClockSkew,
        };
}

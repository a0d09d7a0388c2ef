using System.Numerics;
using System.Security.Cryptography;
using System.Text.Json;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace NeuroPilot.Edge.Authentication.Internal;

/// <summary>
/// One JWK (RFC 7517 section 4, RFC 7518 section 6, RFC 8037) into a <see cref="JsonWebKey"/>, or the reason it is
/// skipped. The key's type, curve and optional <c>alg</c> decide the one algorithm it may verify.
/// </summary>
internal static class JsonWebKeyReader
{
    /// <summary>Members that only private (or symmetric) keys have (RFC 7518 section 6.2.2, 6.3.2, 6.4.1; RFC 8037 section 2).</summary>
    private static readonly string[] PrivateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

    private const int MaxKidLength = 256;

    /// <exception cref="JsonWebKeySetException">The key holds private key material.</exception>
    public static JsonWebKey? Read(JsonElement element, int index, out string? skipped)
    {
        skipped = null;
        if (element.ValueKind != JsonValueKind.Object)
        {
            skipped = $"key {index}: is not an object";
            return null;
        }

        var kid = Text(element, "kid", out var kidIsText);
        var name = kid is null ? $"key {index}" : $"key {index} (\"{Clip(kid)}\")";
        foreach (var member in PrivateMembers)
        {
            if (element.TryGetProperty(member, out _))
            {
                throw new JsonWebKeySetException($"holds private key material: {name} has \"{member}\" (the edge needs public keys only; publish the public half)");
            }
        }

        var reason = Check(element, kid, kidIsText);
        if (reason is null)
        {
            var key = Create(element, kid, out reason);
            if (key is not null)
            {
                return key;
            }
        }

        skipped = $"{name}: {reason}";
        return null;
    }

    /// <summary>What makes the key unusable for signatures whatever its type, or null.</summary>
    private static string? Check(JsonElement element, string? kid, bool kidIsText)
    {
        if (!kidIsText)
        {
            return "\"kid\" is not a string";
        }

        if (kid is { Length: > MaxKidLength })
        {
            return $"\"kid\" is longer than {MaxKidLength} characters";
        }

        if (Text(element, "use", out _) is { } use && use != "sig")
        {
            return $"\"use\" is \"{Clip(use)}\", not \"sig\"";
        }

        if (element.TryGetProperty("key_ops", out var ops))
        {
            var verify = false;
            if (ops.ValueKind == JsonValueKind.Array)
            {
                foreach (var op in ops.EnumerateArray())
                {
                    verify |= op.ValueKind == JsonValueKind.String && op.ValueEquals("verify");
                }
            }

            if (!verify)
            {
                return "\"key_ops\" does not allow \"verify\"";
            }
        }

        return null;
    }

    private static JsonWebKey? Create(JsonElement element, string? kid, out string? reason)
    {
        reason = null;
        var kty = Text(element, "kty", out _);
        var alg = Text(element, "alg", out _);
        var crv = Text(element, "crv", out _);
        switch (kty)
        {
            case "OKP":
                return CreateEd25519(element, kid, crv, alg, out reason);
            case "EC":
                return CreateEcdsa(element, kid, crv, alg, out reason);
            case "RSA":
                return CreateRsa(element, kid, alg, out reason);
            default:
                reason = kty is null ? "no \"kty\"" : $"kty \"{Clip(kty)}\" is not supported (OKP, EC, RSA)";
                return null;
        }
    }

    /// <summary>An OKP key (RFC 8037): Ed25519 only, <c>x</c> a valid point.</summary>
    private static JsonWebKey? CreateEd25519(JsonElement element, string? kid, string? crv, string? alg, out string? reason)
    {
        reason = null;
        if (crv != "Ed25519")
        {
            reason = $"curve {Show(crv)} is not supported (OKP keys: Ed25519)";
            return null;
        }

        if (alg is not (null or "EdDSA" or "Ed25519"))
        {
            reason = $"\"alg\" {Show(alg)} does not fit an Ed25519 key (EdDSA)";
            return null;
        }

        var x = Bytes(element, "x");
        var point = x is { Length: Ed25519JsonWebKey.PublicKeySize } ? Ed25519.ValidatePublicKeyFullExport(x) : null;
        if (point is null)
        {
            reason = "\"x\" is not an Ed25519 public key (32 bytes, base64url, a valid point)";
            return null;
        }

        return new Ed25519JsonWebKey(kid, point);
    }

    /// <summary>An EC key (RFC 7518 section 6.2): P-256 only, (<c>x</c>, <c>y</c>) a point on the curve.</summary>
    private static JsonWebKey? CreateEcdsa(JsonElement element, string? kid, string? crv, string? alg, out string? reason)
    {
        reason = null;
        if (crv != "P-256")
        {
            reason = $"curve {Show(crv)} is not supported (EC keys: P-256)";
            return null;
        }

        if (alg is not (null or "ES256"))
        {
            reason = $"\"alg\" {Show(alg)} does not fit a P-256 key (ES256)";
            return null;
        }

        var (ex, ey) = (Bytes(element, "x"), Bytes(element, "y"));
        if (ex is not { Length: EcdsaJsonWebKey.CoordinateSize } || ey is not { Length: EcdsaJsonWebKey.CoordinateSize })
        {
            reason = "\"x\" and \"y\" must be 32-byte base64url coordinates";
            return null;
        }

        try
        {
            return new EcdsaJsonWebKey(kid, ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = ex, Y = ey },
            }));
        }
        catch (CryptographicException)
        {
            reason = "(x, y) is not a point on P-256";
            return null;
        }
    }

    /// <summary>An RSA key (RFC 7518 section 6.3): RS256, a modulus of <see cref="RsaJsonWebKey.MinBits"/> to <see cref="RsaJsonWebKey.MaxBits"/> bits.</summary>
    private static JsonWebKey? CreateRsa(JsonElement element, string? kid, string? alg, out string? reason)
    {
        reason = null;
        if (alg is not (null or "RS256"))
        {
            reason = $"\"alg\" {Show(alg)} is not supported for RSA keys (RS256)";
            return null;
        }

        var (n, e) = (Bytes(element, "n"), Bytes(element, "e"));
        if (n is null || e is null || e.Length is 0 or > 8)
        {
            reason = "\"n\" and \"e\" must be base64url numbers";
            return null;
        }

        var modulus = n.AsSpan().TrimStart((byte)0).ToArray();
        var bits = modulus.Length == 0 ? 0 : ((modulus.Length - 1) * 8) + 32 - BitOperations.LeadingZeroCount((uint)modulus[0]);
        if (bits is < RsaJsonWebKey.MinBits or > RsaJsonWebKey.MaxBits)
        {
            reason = $"a {bits}-bit RSA key is outside {RsaJsonWebKey.MinBits} to {RsaJsonWebKey.MaxBits} bits";
            return null;
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportParameters(new RSAParameters { Modulus = modulus, Exponent = e });
            return new RsaJsonWebKey(kid, rsa, modulus.Length);
        }
        catch (CryptographicException)
        {
            rsa.Dispose();
            reason = "not a usable RSA public key";
            return null;
        }
    }

    /// <summary>A string member; null when absent. <paramref name="isText"/> is false when present but not a string.</summary>
    private static string? Text(JsonElement element, string name, out bool isText)
    {
        isText = true;
        if (!element.TryGetProperty(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            isText = false;
            return null;
        }

        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            // "\ud800": valid JSON, not text.
            isText = false;
            return null;
        }
    }

    private static byte[]? Bytes(JsonElement element, string name) => Base64UrlStrict.Decode(Text(element, name, out _));

    private static string Show(string? value) => value is null ? "(none)" : $"\"{Clip(value)}\"";

    private static string Clip(string value) => value.Length > 40 ? string.Concat(value.AsSpan(0, 37), "...") : value;
}

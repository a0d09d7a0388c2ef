using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using NeuroPilot.Edge.Authentication;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Telemetry;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace NeuroPilot.Edge.Benchmarks;

/// <summary>
/// What JWT at the edge costs per request: <see cref="JwtValidator.Validate(ReadOnlySpan{char})"/> of a typical
/// access token (header with kid; iss, sub, aud, exp, nbf, iat, jti, scope, azp, email: about 500 to 800 characters)
/// against a JWKS of three keys, one per algorithm (EdDSA via BouncyCastle, ES256 and RS256-2048 via the platform);
/// the whole request-path check (<see cref="JwtAuthenticator.Authenticate"/>: strip the client's copy of a
/// forwarded-claim header, read <c>Authorization</c>, validate, set <c>X-User-Id</c>); and two refusals that end
/// before any signature is checked (<c>alg: none</c>, and a header that is not JSON: the parser's exception path).
/// </summary>
[MemoryDiagnoser]
public class JwtValidationBenchmarks
{
    private const string Issuer = "https://login.example.com/";

    private JwtValidator _validator = null!;
    private JwtAuthenticator _authenticator = null!;
    private DefaultHttpContext _context = null!;
    private string _edDsa = null!;
    private string _es256 = null!;
    private string _rs256 = null!;
    private string _algNone = null!;
    private string _garbageHeader = null!;

    [GlobalSetup]
    public void Setup()
    {
        var edSecret = RandomNumberGenerator.GetBytes(Ed25519.SecretKeySize);
        var edPublic = new byte[Ed25519.PublicKeySize];
        Ed25519.GeneratePublicKey(edSecret, edPublic);
        var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var q = ec.ExportParameters(false).Q;
        var rsa = RSA.Create(2048);
        var rsaPublic = rsa.ExportParameters(false);
        var jwks = $$"""
            { "keys": [
              { "kid": "ed", "kty": "OKP", "crv": "Ed25519", "x": "{{B64(edPublic)}}" },
              { "kid": "ec", "kty": "EC", "crv": "P-256", "x": "{{B64(q.X!)}}", "y": "{{B64(q.Y!)}}" },
              { "kid": "rsa", "kty": "RSA", "n": "{{B64(rsaPublic.Modulus!)}}", "e": "{{B64(rsaPublic.Exponent!)}}" } ] }
            """;
        var options = new JwtOptions
        {
            Issuer = Issuer,
            Audiences = ["api"],
            KeysFile = "/unused",
            ForwardClaims = [("sub", "X-User-Id")],
        };
        var keys = JsonWebKeySet.Parse(Encoding.UTF8.GetBytes(jwks));
        _validator = new JwtValidator(options, keys, TimeProvider.System);
        _authenticator = new JwtAuthenticator("api", options, _validator, new EdgeMetrics(Prometheus.Metrics.NewCustomRegistry()));

        _edDsa = Token("EdDSA", "ed", input =>
        {
            var signature = new byte[Ed25519.SignatureSize];
            Ed25519.Sign(edSecret, 0, input, 0, input.Length, signature, 0);
            return signature;
        });
        _es256 = Token("ES256", "ec", input => ec.SignData(input, HashAlgorithmName.SHA256));
        _rs256 = Token("RS256", "rsa", input => rsa.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        _algNone = $"{B64("""{"alg":"none","typ":"JWT"}"""u8)}.{B64(Encoding.UTF8.GetBytes(Claims()))}.";
        _garbageHeader = $"{B64("""{"alg":"ES256","kid":"ec",]"""u8)}.{_es256[(_es256.IndexOf('.', StringComparison.Ordinal) + 1)..]}";

        _context = new DefaultHttpContext();
        _context.Request.Path = "/v1/orders/42";
        _context.Request.Headers.Authorization = $"Bearer {_es256}";

        foreach (var token in new[] { _edDsa, _es256, _rs256 })
        {
            if (_validator.Validate(token) != JwtFailure.None)
            {
                throw new InvalidOperationException("a benchmark token does not validate");
            }
        }

        if (!_authenticator.Authenticate(_context) || _validator.Validate(_algNone) != JwtFailure.Algorithm || _validator.Validate(_garbageHeader) != JwtFailure.Malformed)
        {
            throw new InvalidOperationException("a benchmark case does not end as intended");
        }
    }

    [Benchmark(Baseline = true, Description = "ES256 token: validate")]
    public JwtFailure Es256() => _validator.Validate(_es256);

    [Benchmark(Description = "EdDSA (Ed25519) token: validate")]
    public JwtFailure EdDsa() => _validator.Validate(_edDsa);

    [Benchmark(Description = "RS256 (2048-bit) token: validate")]
    public JwtFailure Rs256() => _validator.Validate(_rs256);

    [Benchmark(Description = "ES256 token: request path, sub forwarded as X-User-Id")]
    public bool Es256RequestPath() => _authenticator.Authenticate(_context);

    [Benchmark(Description = "alg none: refused before any crypto")]
    public JwtFailure AlgNone() => _validator.Validate(_algNone);

    [Benchmark(Description = "header not JSON: refused (parser exception path)")]
    public JwtFailure GarbageHeader() => _validator.Validate(_garbageHeader);

    private static string Token(string alg, string kid, Func<byte[], byte[]> sign)
    {
        var signingInput = $"{B64(Encoding.UTF8.GetBytes($$"""{"alg":"{{alg}}","typ":"JWT","kid":"{{kid}}"}"""))}.{B64(Encoding.UTF8.GetBytes(Claims()))}";
        return $"{signingInput}.{B64(sign(Encoding.ASCII.GetBytes(signingInput)))}";
    }

    private static string Claims()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return $$"""
            {"iss":"{{Issuer}}","sub":"248289761001","aud":"api","exp":{{now + 86_400}},"nbf":{{now - 60}},"iat":{{now - 60}},"jti":"b7f1c0de-4e2a-4b5e-9f3a-2d6c1e8a7b90","scope":"orders:read orders:write profile","azp":"web-frontend","email":"jane.doe@example.com"}
            """;
    }

    private static string B64(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);
}

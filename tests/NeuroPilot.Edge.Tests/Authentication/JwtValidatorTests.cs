using System.Text;
using NeuroPilot.Edge.Authentication;
using NeuroPilot.Edge.Configuration;
using static NeuroPilot.Edge.Tests.Authentication.TestTokens;

namespace NeuroPilot.Edge.Tests.Authentication;

/// <summary>Every rule of token validation, one test each: what passes, and what is refused with which reason.</summary>
public sealed class JwtValidatorTests
{
    private static readonly TestSigningKey Ed = TestSigningKey.Ed25519Key("ed-1");
    private static readonly TestSigningKey Ec = TestSigningKey.Es256Key("ec-1");
    private static readonly TestSigningKey Rsa = TestSigningKey.Rs256Key("rsa-1");
    private static readonly JsonWebKeySet AllKeys = KeySet(Ed, Ec, Rsa);

    private static JwtValidator Validator(JsonWebKeySet? keys = null, Edge.Configuration.JwtOptions? options = null) =>
        new(options ?? Options(), keys ?? AllKeys, Clock());

    private static TestSigningKey KeyFor(string alg) => alg switch
    {
        "EdDSA" => Ed,
        "ES256" => Ec,
        _ => Rsa,
    };

    [Theory]
    [InlineData("EdDSA")]
    [InlineData("ES256")]
    [InlineData("RS256")]
    public void Validate_ValidToken_Passes(string alg) =>
        Assert.Equal(JwtFailure.None, Validator().Validate(Create(KeyFor(alg))));

    [Fact]
    public void Validate_Rfc9864Ed25519AlgorithmName_PassesWithTheEd25519Key() =>
        Assert.Equal(JwtFailure.None, Validator().Validate(Create(Ed, header: """{"alg":"Ed25519","kid":"ed-1"}""")));

    [Theory]
    [InlineData("EdDSA")]
    [InlineData("ES256")]
    [InlineData("RS256")]
    public void Validate_ExpiredBeyondTheSkew_FailsExpired(string alg) =>
        Assert.Equal(JwtFailure.Expired, Validator().Validate(Create(KeyFor(alg), ValidClaims(NowSeconds - 300 - 31))));

    [Fact]
    public void Validate_ExpiredWithinTheSkew_Passes() =>
        Assert.Equal(JwtFailure.None, Validator().Validate(Create(Ec, ValidClaims(NowSeconds - 300 - 29))));

    [Fact]
    public void Validate_ExpiryExactlyNowWithoutSkew_FailsExpired() =>
        Assert.Equal(JwtFailure.Expired, Validator(options: Options(skew: TimeSpan.Zero)).Validate(Create(Ec, ValidClaims(NowSeconds - 300))));

    [Fact]
    public void Validate_NotBeforeInTheFuture_FailsNotYetValid() =>
        Assert.Equal(JwtFailure.NotYetValid, Validator().Validate(Create(Ec, ValidClaims(NowSeconds + 10 + 31))));

    [Fact]
    public void Validate_NotBeforeWithinTheSkew_Passes() =>
        Assert.Equal(JwtFailure.None, Validator().Validate(Create(Ec, ValidClaims(NowSeconds + 10 + 29))));

    [Fact]
    public void Validate_NoExpiry_FailsNoExpiry() =>
        Assert.Equal(JwtFailure.NoExpiry, Validator().Validate(Create(Ec, $$"""{"iss":"{{Issuer}}","aud":"api"}""")));

    [Fact]
    public void Validate_FractionalExpiry_IsANumericDate() =>
        Assert.Equal(JwtFailure.None, Validator().Validate(Create(Ec, $$"""{"iss":"{{Issuer}}","aud":"api","exp":{{NowSeconds}}.5e0}""")));

    [Theory]
    [InlineData("\"iss\":\"https://evil.example.test/\",")]
    [InlineData("\"iss\":\"https://login.example.test\",")]
    [InlineData("")]
    public void Validate_WrongOrMissingIssuer_FailsIssuer(string iss) =>
        Assert.Equal(JwtFailure.Issuer, Validator().Validate(Create(Ec, $$"""{ {{iss}} "aud":"api","exp":{{NowSeconds + 60}}}""")));

    [Fact]
    public void Validate_EscapedIssuer_IsComparedUnescaped() =>
        Assert.Equal(JwtFailure.None, Validator().Validate(Create(Ec, $$"""{"iss":"https:\/\/login.example.test\/","aud":"api","exp":{{NowSeconds + 60}}}""")));

    [Theory]
    [InlineData("\"aud\":\"other\"")]
    [InlineData("\"aud\":[\"x\",\"y\"]")]
    [InlineData("\"aud\":[]")]
    [InlineData("\"aud\":\"API\"")]
    [InlineData("\"sub\":\"no aud\"")]
    public void Validate_WrongOrMissingAudience_FailsAudience(string aud) =>
        Assert.Equal(JwtFailure.Audience, Validator().Validate(Create(Ec, $$"""{"iss":"{{Issuer}}",{{aud}},"exp":{{NowSeconds + 60}}}""")));

    [Theory]
    [InlineData("\"aud\":[\"x\",\"api\"]")]
    [InlineData("\"aud\":\"other-api\"")]
    public void Validate_AudienceArrayOrAnyConfiguredAudience_Passes(string aud) =>
        Assert.Equal(JwtFailure.None, Validator().Validate(Create(Ec, $$"""{"iss":"{{Issuer}}",{{aud}},"exp":{{NowSeconds + 60}}}""")));

    [Theory]
    [InlineData("{\"iss\":\"https://login.example.test/\",\"aud\":42,\"exp\":EXP}")]
    [InlineData("{\"iss\":\"https://login.example.test/\",\"aud\":[\"api\",42],\"exp\":EXP}")]
    [InlineData("{\"iss\":\"https://login.example.test/\",\"aud\":{\"a\":\"api\"},\"exp\":EXP}")]
    [InlineData("{\"iss\":\"https://login.example.test/\",\"aud\":\"api\",\"exp\":\"EXP\"}")]
    [InlineData("{\"iss\":null,\"aud\":\"api\",\"exp\":EXP}")]
    [InlineData("{\"iss\":\"https://login.example.test/\",\"aud\":\"api\",\"exp\":EXP,\"nbf\":true}")]
    public void Validate_ClaimOfTheWrongType_FailsMalformed(string claims) =>
        Assert.Equal(JwtFailure.Malformed, Validator().Validate(Create(Ec, claims.Replace("EXP", $"{NowSeconds + 60}", StringComparison.Ordinal))));

    [Theory]
    [InlineData("exp")]
    [InlineData("iss")]
    [InlineData("aud")]
    [InlineData("nbf")]
    public void Validate_ClaimTheEdgeChecksGivenTwice_FailsMalformed(string claim)
    {
        var value = claim is "iss" ? $"\"{Issuer}\"" : claim is "aud" ? "\"api\"" : $"{NowSeconds + 60}";
        Assert.Equal(JwtFailure.Malformed, Validator().Validate(Create(Ec, ValidClaims(extra: $"\"{claim}\":{value}"))));
    }

    [Fact]
    public void Validate_SignedByAnotherKeyUnderTheSameKid_FailsSignature() =>
        Assert.Equal(JwtFailure.Signature, Validator().Validate(Create(TestSigningKey.Es256Key("ec-1"))));

    [Fact]
    public void Validate_ClaimsChangedAfterSigning_FailsSignature()
    {
        var parts = Create(Ec).Split('.');
        var forged = $"{parts[0]}.{Part(ValidClaims(extra: "\"admin\":true"))}.{parts[2]}";
        Assert.Equal(JwtFailure.Signature, Validator().Validate(forged));
    }

    [Fact]
    public void Validate_KidNotInTheKeySet_FailsUnknownKey() =>
        Assert.Equal(JwtFailure.UnknownKey, Validator().Validate(Create(Ec.WithKid("ec-2"))));

    [Fact]
    public void Validate_NoKeys_FailsUnknownKey() =>
        Assert.Equal(JwtFailure.UnknownKey, Validator(JsonWebKeySet.Empty).Validate(Create(Ec)));

    [Theory]
    [InlineData("")]
    [InlineData("c2lnbmF0dXJl")]
    public void Validate_AlgNone_FailsAlgorithm(string signature) =>
        Assert.Equal(JwtFailure.Algorithm, Validator().Validate($"{Part("""{"alg":"none","typ":"JWT"}""")}.{Part(ValidClaims())}.{signature}"));

    [Fact]
    public void Validate_Hs256SignedWithTheRsaPublicKeyAsHmacSecret_FailsAlgorithm() =>
        Assert.Equal(JwtFailure.Algorithm, Validator().Validate(HmacWithPublicKey(Rsa)));

    [Fact]
    public void Validate_Hs256WithoutKid_FailsAlgorithm() =>
        Assert.Equal(JwtFailure.Algorithm, Validator().Validate(HmacWithPublicKey(Rsa.WithKid(null))));

    [Theory]
    [InlineData("es256")]
    [InlineData("PS256")]
    [InlineData("RS512")]
    public void Validate_AlgorithmNotSupported_FailsAlgorithm(string alg) =>
        Assert.Equal(JwtFailure.Algorithm, Validator().Validate(Create(Ec, header: $$"""{"alg":"{{alg}}","kid":"ec-1"}""")));

    [Fact]
    public void Validate_AlgorithmNotConfigured_FailsAlgorithm() =>
        Assert.Equal(JwtFailure.Algorithm, Validator(options: Options(algorithms: [JwtAlgorithm.ES256])).Validate(Create(Ed)));

    [Fact]
    public void Validate_Es256HeaderNamingTheRsaKey_FailsAlgorithmWithoutTryingIt() =>
        Assert.Equal(JwtFailure.Algorithm, Validator().Validate(Create(Ec, header: """{"alg":"ES256","kid":"rsa-1"}""")));

    [Fact]
    public void Validate_RsaSignatureUnderEdDsaHeaderWithoutKid_FailsSignature() =>
        Assert.Equal(JwtFailure.Signature, Validator().Validate(Create(Rsa, header: """{"alg":"EdDSA"}""")));

    [Fact]
    public void Validate_NoKid_TriesTheKeysOfTheTokensAlgorithm()
    {
        var first = TestSigningKey.Es256Key(null);
        var second = TestSigningKey.Es256Key(null);
        var keys = KeySet(Rsa.WithKid(null), first, second);

        Assert.Equal(JwtFailure.None, Validator(keys).Validate(Create(second)));
        Assert.Equal(JwtFailure.UnknownKey, Validator(keys).Validate(Create(Ed.WithKid(null))));
    }

    [Fact]
    public void Validate_NoKidAndMoreKeysThanTheCap_TriesOnlyTheFirstFour()
    {
        var keys = Enumerable.Range(0, 5).Select(_ => TestSigningKey.Es256Key(null)).ToArray();
        var validator = Validator(KeySet(keys));

        Assert.Equal(JwtFailure.None, validator.Validate(Create(keys[3])));
        Assert.Equal(JwtFailure.Signature, validator.Validate(Create(keys[4])));
    }

    [Fact]
    public void Validate_KidGivenWithManyKeys_FindsItsKeyWhereverItIs()
    {
        var keys = Enumerable.Range(0, 8).Select(i => TestSigningKey.Es256Key($"k{i}")).ToArray();
        Assert.Equal(JwtFailure.None, Validator(KeySet(keys)).Validate(Create(keys[7])));
    }

    [Theory]
    [InlineData("padding", "==")]
    [InlineData("invalid character", "*")]
    [InlineData("space", " ")]
    [InlineData("standard base64", "+")]
    public void Validate_SignatureNotStrictBase64Url_FailsMalformed(string what, string suffix)
    {
        _ = what;
        Assert.Equal(JwtFailure.Malformed, Validator().Validate(Create(Ec) + suffix));
    }

    [Fact]
    public void Validate_NonCanonicalTrailingBits_FailsMalformed()
    {
        // A 64-byte signature is 86 characters: the last one carries 2 bits and 4 unused bits that must be zero.
        var token = Create(Ec);
        var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var changed = alphabet[alphabet.IndexOf(token[^1], StringComparison.Ordinal) | 1];
        Assert.NotEqual(token[^1], changed);
        Assert.Equal(JwtFailure.Malformed, Validator().Validate(token[..^1] + changed));
    }

    [Fact]
    public void Validate_SpaceInsideTheSignature_FailsMalformed() =>
        Assert.Equal(JwtFailure.Malformed, Validator().Validate(Create(Ec).Insert(200, " ")));

    [Fact]
    public void Validate_HeaderWithPadding_FailsMalformed()
    {
        var parts = Create(Ec).Split('.');
        Assert.Equal(JwtFailure.Malformed, Validator().Validate($"{parts[0]}=.{parts[1]}.{parts[2]}"));
    }

    [Fact]
    public void Validate_TokenLongerThanTheCap_FailsTooLargeUnread() =>
        Assert.Equal(JwtFailure.TooLarge, Validator().Validate(Create(Ec, ValidClaims(extra: $"\"pad\":\"{new string('a', 8200)}\""))));

    [Fact]
    public void Validate_TokenJustUnderTheCap_Passes()
    {
        var token = Create(Ec, ValidClaims(extra: $"\"pad\":\"{new string('a', 5800)}\""));
        Assert.InRange(token.Length, 7000, 8192);
        Assert.Equal(JwtFailure.None, Validator().Validate(token));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("a.b")]
    [InlineData(".b.c")]
    [InlineData("a..c")]
    [InlineData("a.b.c.d.e")]
    [InlineData("Bearer a.b.c")]
    public void Validate_NotThreeParts_FailsMalformed(string token) =>
        Assert.Equal(JwtFailure.Malformed, Validator().Validate(token));

    [Theory]
    [InlineData("not json")]
    [InlineData("[\"alg\",\"ES256\"]")]
    [InlineData("{\"alg\":\"ES256\",\"kid\":\"ec-1\"")]
    [InlineData("{\"alg\":\"ES256\",\"kid\":\"ec-1\"} {}")]
    [InlineData("{\"alg\":\"ES256\",\"kid\":\"ec-1\",}")]
    [InlineData("{\"alg\":\"ES256\",\"alg\":\"ES256\",\"kid\":\"ec-1\"}")]
    [InlineData("{\"alg\":\"ES256\",\"kid\":\"ec-1\",\"kid\":\"ec-1\"}")]
    [InlineData("{\"alg\":[\"ES256\"],\"kid\":\"ec-1\"}")]
    [InlineData("{\"kid\":\"ec-1\"}")]
    [InlineData("{\"alg\":\"ES256\",\"kid\":\"ec-1\",\"crit\":[\"exp\"]}")]
    [InlineData("{\"alg\":\"ES256\",\"kid\":\"\\ud800\"}")]
    [InlineData("{\"alg\":\"ES256\",\"kid\":\"ec-1\",\"x\":[[[[[1]]]]]}")]
    public void Validate_GarbageHeader_FailsMalformed(string header) =>
        Assert.Equal(JwtFailure.Malformed, Validator().Validate(Create(Ec, header: header)));

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{\"iss\":\"x\"")]
    [InlineData("{} {}")]
    [InlineData("{\"a\":[[[[[[[[[1]]]]]]]]]}")]
    public void Validate_GarbageClaims_FailsMalformed(string claims) =>
        Assert.Equal(JwtFailure.Malformed, Validator().Validate(Create(Ec, claims)));

    [Fact]
    public void Validate_UnknownHeaderMembersAndNestedClaims_AreSkipped() =>
        Assert.Equal(JwtFailure.None, Validator().Validate(Create(
            Ec,
            ValidClaims(extra: "\"realm_access\":{\"roles\":[\"a\",{\"b\":[1,2]}]},\"email_verified\":true"),
            header: """{"typ":"at+jwt","alg":"ES256","x5t":"abc","jku":"https://evil.test/jwks","kid":"ec-1","extra":{"a":[1]}}""")));

    [Fact]
    public void Validate_ForwardedClaims_AreReturnedAsHeaderValues()
    {
        var validator = Validator(options: Options(forward:
            [("sub", "X-User"), ("tenant", "X-Tenant"), ("roles", "X-Roles"), ("level", "X-Level"), ("admin", "X-Admin"),
             ("profile", "X-Profile"), ("nasty", "X-Nasty"), ("absent", "X-Absent"), ("name", "X-Name")]));
        var values = new string?[9];

        var result = validator.Validate(
            Create(Ec, ValidClaims(extra: "\"tenant\":\"acme\",\"roles\":[\"reader\",\"writer\",7],\"level\":3.5,\"admin\":false,\"profile\":{\"a\":1},\"nasty\":\"a\\r\\nX-Admin: true\",\"name\":\"Jos\\u00e9\"")),
            values);

        Assert.Equal(JwtFailure.None, result);
        Assert.Equal(new string?[] { "user-42", "acme", "reader,writer,7", "3.5", "false", null, null, null, null }, values);
    }

    [Fact]
    public void Validate_ForwardedClaimGivenTwice_FailsMalformed()
    {
        var validator = Validator(options: Options(forward: [("sub", "X-User")]));
        Assert.Equal(JwtFailure.Malformed, validator.Validate(Create(Ec, ValidClaims(extra: "\"sub\":\"admin\"")), new string?[1]));
    }

    [Fact]
    public void Validate_SameTokenFromManyThreads_AllPass()
    {
        var validator = Validator();
        var tokens = new[] { Create(Ed), Create(Ec), Create(Rsa) };
        var failures = 0;
        Parallel.For(0, 600, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            if (validator.Validate(tokens[i % 3]) != JwtFailure.None)
            {
                Interlocked.Increment(ref failures);
            }
        });
        Assert.Equal(0, failures);
    }

    [Fact]
    public void Validate_TokenAsUtf16WithNonAscii_FailsMalformed() =>
        Assert.Equal(JwtFailure.Malformed, Validator().Validate(Create(Ec).Replace('e', 'é')));

    [Fact]
    public void Labels_EveryFailure_HasADistinctLabelAndAShortDescription()
    {
        var failures = Enum.GetValues<JwtFailure>().Where(f => f != JwtFailure.None).ToArray();
        Assert.Equal(failures.Length, failures.Select(f => f.Label()).Distinct().Count());
        Assert.All(failures, f => Assert.InRange(Encoding.ASCII.GetByteCount(f.Description()), 5, 30));
        Assert.Equal("Bearer", JwtFailure.Missing.Challenge());
        Assert.Equal("Bearer error=\"invalid_token\", error_description=\"token expired\"", JwtFailure.Expired.Challenge());
    }
}

using System.Text;
using NeuroPilot.Edge.Authentication;
using NeuroPilot.Edge.Configuration;
using static NeuroPilot.Edge.Tests.Authentication.TestTokens;

namespace NeuroPilot.Edge.Tests.Authentication;

/// <summary>JWKS files: usable keys of each type, keys skipped with their reason, files refused whole.</summary>
public sealed class JsonWebKeySetTests
{
    private static JsonWebKeySet Parse(string json) => JsonWebKeySet.Parse(Encoding.UTF8.GetBytes(json));

    private static string Refused(string json) => Assert.Throws<JsonWebKeySetException>(() => Parse(json)).Message;

    [Fact]
    public void Parse_OneKeyOfEachType_BindsEachToItsAlgorithm()
    {
        var keys = KeySet(TestSigningKey.Ed25519Key("a"), TestSigningKey.Es256Key("b"), TestSigningKey.Rs256Key("c"), TestSigningKey.Rs256Key(null, 4096));

        Assert.Equal([JwtAlgorithm.EdDSA, JwtAlgorithm.ES256, JwtAlgorithm.RS256, JwtAlgorithm.RS256], keys.Keys.Select(k => k.Algorithm));
        Assert.Equal(["a", "b", "c", null], keys.Keys.Select(k => k.Kid));
        Assert.Empty(keys.Skipped);
        Assert.Equal("4 keys (EdDSA key \"a\", ES256 key \"b\", RS256 key \"c\", RS256 key without kid)", keys.ToString());
    }

    [Fact]
    public void Parse_KeysWithMatchingUseOpsAndAlg_AreUsable()
    {
        var ec = TestSigningKey.Es256Key(null);
        var ed = TestSigningKey.Ed25519Key(null);
        var keys = Parse($$"""{ "keys": [ { "use": "sig", "alg": "ES256", "key_ops": ["verify"], {{ec.PublicMembers}} }, { "alg": "Ed25519", {{ed.PublicMembers}} } ] }""");

        Assert.Equal(2, keys.Keys.Count);
    }

    [Theory]
    [InlineData("{ \"kty\": \"EC\", \"crv\": \"P-384\", \"x\": \"AA\", \"y\": \"AA\" }", "curve \"P-384\" is not supported")]
    [InlineData("{ \"kty\": \"OKP\", \"crv\": \"X25519\", \"x\": \"AA\" }", "curve \"X25519\" is not supported")]
    [InlineData("{ \"kty\": \"OKP\", \"crv\": \"Ed25519\", \"x\": \"AAAA\" }", "not an Ed25519 public key")]
    [InlineData("{ \"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"AQ\", \"y\": \"AQ\" }", "32-byte")]
    [InlineData("{ \"kty\": \"foo\" }", "kty \"foo\" is not supported")]
    [InlineData("{ \"crv\": \"P-256\" }", "no \"kty\"")]
    [InlineData("\"a string\"", "is not an object")]
    [InlineData("{ \"kty\": \"RSA\", \"kid\": 7, \"n\": \"AQAB\", \"e\": \"AQAB\" }", "\"kid\" is not a string")]
    public void Parse_KeyTheEdgeCannotUse_IsSkippedWithItsReason(string jwk, string reason)
    {
        var keys = Parse($$"""{ "keys": [ {{jwk}}, {{TestSigningKey.Es256Key("good").Jwk}} ] }""");

        Assert.Equal("good", Assert.Single(keys.Keys).Kid);
        Assert.Contains(reason, Assert.Single(keys.Skipped), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"use\": \"enc\",", "\"use\" is \"enc\"")]
    [InlineData("\"key_ops\": [\"encrypt\"],", "does not allow \"verify\"")]
    [InlineData("\"alg\": \"ES384\",", "does not fit a P-256 key")]
    public void Parse_EcKeyNotForEs256Signatures_IsSkipped(string member, string reason)
    {
        var keys = Parse($$"""{ "keys": [ { {{member}} {{TestSigningKey.Es256Key(null).PublicMembers}} } ] }""");

        Assert.Empty(keys.Keys);
        Assert.Contains(reason, Assert.Single(keys.Skipped), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RsaKeyUnder2048Bits_IsSkipped()
    {
        var keys = KeySet(TestSigningKey.Rs256Key("small", 1024));

        Assert.Empty(keys.Keys);
        Assert.Contains("1024-bit RSA key", Assert.Single(keys.Skipped), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RsaKeyForAnotherAlgorithm_IsSkipped()
    {
        var keys = Parse($$"""{ "keys": [ { "alg": "PS256", {{TestSigningKey.Rs256Key(null).PublicMembers}} } ] }""");

        Assert.Empty(keys.Keys);
        Assert.Contains("\"PS256\"", Assert.Single(keys.Skipped), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EcPointOffTheCurve_IsSkipped()
    {
        var ec = TestSigningKey.Es256Key(null).PublicMembers;
        var y = ec[(ec.IndexOf("\"y\": \"", StringComparison.Ordinal) + 6)..^1];
        var offCurve = ec.Replace(y, y[..^2] + (y[^2] == 'A' ? "BA" : "AA"), StringComparison.Ordinal);
        var keys = Parse($$"""{ "keys": [ { {{offCurve}} } ] }""");

        Assert.Empty(keys.Keys);
        Assert.Contains("not a point on P-256", Assert.Single(keys.Skipped), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("d")]
    [InlineData("p")]
    [InlineData("k")]
    public void Parse_PrivateKeyMaterial_RefusesTheWholeFile(string member)
    {
        var message = Refused($$"""{ "keys": [ { "kid": "leaked", "{{member}}": "AAAA", {{TestSigningKey.Es256Key(null).PublicMembers}} } ] }""");

        Assert.Contains("private key material", message, StringComparison.Ordinal);
        Assert.Contains("key 0 (\"leaked\")", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("{ \"keys\": [ }", "not valid JSON at line 1")]
    [InlineData("[]", "no \"keys\" array")]
    [InlineData("{ \"keys\": {} }", "no \"keys\" array")]
    [InlineData("{ \"kty\": \"EC\" }", "no \"keys\" array")]
    public void Parse_NotAJwks_IsRefused(string json, string message) =>
        Assert.Contains(message, Refused(json), StringComparison.Ordinal);

    [Fact]
    public void Parse_MoreThan100Keys_IsRefused() =>
        Assert.Contains("101 keys, more than 100", Refused($$"""{ "keys": [ {{string.Join(",", Enumerable.Repeat("{}", 101))}} ] }"""), StringComparison.Ordinal);

    [Fact]
    public void Load_FileLargerThan1MiB_IsRefusedUnparsed()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, $$"""{ "keys": [], "pad": "{{new string('a', 1024 * 1024)}}" }""");
            Assert.Contains("larger than 1 MiB", Assert.Throws<JsonWebKeySetException>(() => JsonWebKeySet.Load(path)).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_MissingFile_SaysItCannotBeRead() =>
        Assert.StartsWith("cannot be read: ", Assert.Throws<JsonWebKeySetException>(() => JsonWebKeySet.Load("/nonexistent/jwks.json")).Message, StringComparison.Ordinal);
}

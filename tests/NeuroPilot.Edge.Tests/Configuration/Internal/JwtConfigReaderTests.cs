using NeuroPilot.Edge.Authentication;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Tests.Authentication;
using static NeuroPilot.Edge.Tests.Configuration.TestConfigs;

namespace NeuroPilot.Edge.Tests.Configuration.Internal;

/// <summary>
/// <c>Services.NAME.Jwt</c>: every key, its default, every mistake named by path and value; the keys file checked by
/// <see cref="JwtKeysFileCheck"/> as <c>check</c> and a reload do (errors are read through <see cref="ErrorsOf"/>).
/// </summary>
public sealed class JwtConfigReaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("neuropilot-jwt-config-").FullName;
    private readonly string _keysFile;

    public JwtConfigReaderTests()
    {
        _keysFile = Path.Combine(_directory, "jwks.json");
        File.WriteAllText(_keysFile, TestTokens.Jwks(TestSigningKey.Ed25519Key("ed"), TestSigningKey.Es256Key("ec")));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string WithJwt(string members) => Config(api: $$"""
        "Jwt": { {{members}} },
        """);

    private string Minimal(string more = "") =>
        WithJwt($"\"Issuer\": \"https://login.example.test/\", \"Audiences\": [\"api\"], \"KeysFile\": \"{_keysFile}\"{(more.Length > 0 ? ", " + more : "")}");

    [Fact]
    public void Load_EveryKey_IsRead()
    {
        var jwt = ConfigLoader.Load(WithJwt($$"""
            "Issuer": "https://login.example.test/",
            "Audiences": ["api", "api-admin"],
            "KeysFile": "{{_keysFile}}",
            "Algorithms": ["EdDSA", "es256"],
            "AnonymousPaths": ["/healthz", "/public/"],
            "ClockSkew": "10s",
            "ForwardClaims": { "sub": "X-User-Id", "scope": "X-Scopes" },
            "Required": false
            """)).Services[0].Jwt!;

        Assert.Equal("https://login.example.test/", jwt.Issuer);
        Assert.Equal(["api", "api-admin"], jwt.Audiences);
        Assert.Equal(_keysFile, jwt.KeysFile);
        Assert.Equal([JwtAlgorithm.EdDSA, JwtAlgorithm.ES256], jwt.Algorithms);
        Assert.Equal(["/healthz", "/public"], jwt.AnonymousPaths);
        Assert.Equal(TimeSpan.FromSeconds(10), jwt.ClockSkew);
        Assert.Equal([("sub", "X-User-Id"), ("scope", "X-Scopes")], jwt.ForwardClaims);
        Assert.False(jwt.Required);
    }

    [Fact]
    public void Load_MinimalSection_AppliesTheDefaults()
    {
        var jwt = ConfigLoader.Load(Minimal()).Services[0].Jwt!;

        Assert.Equal([JwtAlgorithm.EdDSA, JwtAlgorithm.ES256, JwtAlgorithm.RS256], jwt.Algorithms);
        Assert.Empty(jwt.AnonymousPaths);
        Assert.Equal(TimeSpan.FromSeconds(30), jwt.ClockSkew);
        Assert.Empty(jwt.ForwardClaims);
        Assert.True(jwt.Required);
    }

    [Fact]
    public void Load_NoJwtSection_LeavesTheServiceOpen() =>
        Assert.Null(ConfigLoader.Load(Config()).Services[0].Jwt);

    [Fact]
    public void Load_RelativeKeysFile_IsResolvedAgainstTheWorkingDirectory()
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, _keysFile);
        var jwt = ConfigLoader.Load(WithJwt($"\"Issuer\": \"i\", \"Audiences\": \"api\", \"KeysFile\": \"{relative}\"")).Services[0].Jwt!;

        Assert.Equal(_keysFile, jwt.KeysFile);
    }

    [Fact]
    public void Load_EmptySection_NamesEveryMissingKey()
    {
        var errors = ErrorsOf(WithJwt(""));

        Assert.Equal(["Services.api.Jwt.Issuer", "Services.api.Jwt.Audiences", "Services.api.Jwt.KeysFile"], errors.Select(e => e.Path));
        Assert.All(errors, e => Assert.StartsWith("missing: ", e.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("\"Issuer\": \"\"", "Services.api.Jwt.Issuer", "is empty")]
    [InlineData("\"Audiences\": []", "Services.api.Jwt.Audiences", "is empty")]
    [InlineData("\"Audiences\": [\"api\", \"\"]", "Services.api.Jwt.Audiences[1]", "is empty")]
    [InlineData("\"KeysFile\": \"\"", "Services.api.Jwt.KeysFile", "is empty")]
    public void Load_EmptyValue_IsNamed(string member, string path, string message)
    {
        var members = new Dictionary<string, string>
        {
            ["Issuer"] = "\"Issuer\": \"i\"",
            ["Audiences"] = "\"Audiences\": [\"api\"]",
            ["KeysFile"] = $"\"KeysFile\": \"{_keysFile}\"",
        };
        members[member[1..member.IndexOf('"', 1)]] = member;

        AssertSingleError(WithJwt(string.Join(", ", members.Values)), path, message);
    }

    [Theory]
    [InlineData("HS256")]
    [InlineData("none")]
    [InlineData("PS256")]
    public void Load_UnsupportedAlgorithm_IsNamedWithWhatIsSupported(string algorithm)
    {
        var error = AssertSingleError(Minimal($"\"Algorithms\": [\"ES256\", \"{algorithm}\"]"), "Services.api.Jwt.Algorithms[1]", $"\"{algorithm}\" is not supported: EdDSA, ES256 or RS256");
        Assert.Contains("refused at the edge", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EmptyAlgorithms_IsAnError() =>
        AssertSingleError(Minimal("\"Algorithms\": []"), "Services.api.Jwt.Algorithms", "is empty");

    [Fact]
    public void Load_KeysFileMissing_NamesTheKeyAndTheValue()
    {
        var missing = Path.Combine(_directory, "nope.json");
        AssertSingleError(WithJwt($"\"Issuer\": \"i\", \"Audiences\": \"api\", \"KeysFile\": \"{missing}\""), "Services.api.Jwt.KeysFile", $"\"{missing}\" cannot be read: ");
    }

    [Fact]
    public void Load_KeysFileNotJson_NamesTheKeyAndTheValue()
    {
        File.WriteAllText(_keysFile, "{ \"keys\": [ ");
        AssertSingleError(Minimal(), "Services.api.Jwt.KeysFile", $"\"{_keysFile}\" is not a JWKS: not valid JSON at line 1");
    }

    [Fact]
    public void Load_KeysFileWithPrivateKey_IsRefused()
    {
        File.WriteAllText(_keysFile, $$"""{ "keys": [ { "d": "AAAA", {{TestSigningKey.Es256Key(null).PublicMembers}} } ] }""");
        AssertSingleError(Minimal(), "Services.api.Jwt.KeysFile", "holds private key material");
    }

    [Fact]
    public void Load_NoKeyForTheConfiguredAlgorithms_SaysWhatTheFileHas()
    {
        File.WriteAllText(_keysFile, $$"""{ "keys": [ {{TestSigningKey.Rs256Key("r").Jwk}}, {{TestSigningKey.Rs256Key("small", 1024).Jwk}} ] }""");

        var error = AssertSingleError(Minimal("\"Algorithms\": [\"EdDSA\", \"ES256\"]"), "Services.api.Jwt.KeysFile", "has no usable key for Algorithms EdDSA, ES256");
        Assert.Contains("only 1 keys (RS256 key \"r\")", error.Message, StringComparison.Ordinal);
        Assert.Contains("skipped: key 1 (\"small\"): a 1024-bit RSA key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EmptyKeySet_HasNoUsableKey()
    {
        File.WriteAllText(_keysFile, "{ \"keys\": [] }");
        AssertSingleError(Minimal(), "Services.api.Jwt.KeysFile", "has no usable key for Algorithms EdDSA, ES256, RS256 (no usable key)");
    }

    [Theory]
    [InlineData("public", "must be a path starting with '/'")]
    [InlineData("/", "makes every path anonymous")]
    [InlineData("/public;x", "could never match")]
    [InlineData("/a%2Fb", "could never match")]
    [InlineData("/a/../b", "could never match")]
    public void Load_BadAnonymousPath_IsNamed(string prefix, string message) =>
        AssertSingleError(Minimal($"\"AnonymousPaths\": [\"/ok\", \"{prefix}\"]"), "Services.api.Jwt.AnonymousPaths[1]", message);

    [Theory]
    [InlineData("\"sub\": \"X User\"", "Services.api.Jwt.ForwardClaims.sub", "\"X User\" is not a header name")]
    [InlineData("\"sub\": \"Authorization\"", "Services.api.Jwt.ForwardClaims.sub", "cannot carry a claim")]
    [InlineData("\"sub\": \"x-forwarded-for\"", "Services.api.Jwt.ForwardClaims.sub", "cannot carry a claim")]
    [InlineData("\"exp\": \"X-Exp\"", "Services.api.Jwt.ForwardClaims.exp", "checked by the edge itself")]
    [InlineData("\"sub\": \"X-User\", \"email\": \"x-user\"", "Services.api.Jwt.ForwardClaims.email", "already carries claim \"sub\"")]
    [InlineData("\"sub\": 7", "Services.api.Jwt.ForwardClaims.sub", "is not a string")]
    public void Load_BadForwardClaim_IsNamed(string claims, string path, string message) =>
        AssertSingleError(Minimal($"\"ForwardClaims\": {{ {claims} }}"), path, message);

    [Fact]
    public void Load_ClockSkewOverFiveMinutes_IsOutOfRange() =>
        AssertSingleError(Minimal("\"ClockSkew\": \"10m\""), "Services.api.Jwt.ClockSkew", "out of range");

    [Fact]
    public void Load_UnknownKey_IsNamed() =>
        AssertSingleError(Minimal("\"Audience\": \"api\""), "Services.api.Jwt.Audience", "unknown key");

    [Fact]
    public void Load_SeveralMistakes_AreAllReportedAtOnce()
    {
        var errors = ErrorsOf(WithJwt("\"Issuer\": \"\", \"Audiences\": [], \"KeysFile\": \"/nonexistent/jwks.json\", \"Algorithms\": [\"HS256\"], \"Required\": \"yes\""));

        Assert.Equal(
            ["Services.api.Jwt.Issuer", "Services.api.Jwt.Audiences", "Services.api.Jwt.Algorithms[0]", "Services.api.Jwt.Required"],
            errors.Select(e => e.Path));
    }
}

using Microsoft.Extensions.Logging.Abstractions;
using NeuroPilot.Edge.Authentication;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Telemetry;
using NeuroPilot.Edge.Tests.Dns;
using static NeuroPilot.Edge.Tests.Authentication.TestTokens;

namespace NeuroPilot.Edge.Tests.Authentication;

/// <summary>A watched JWKS file: new keys replace old ones whole, a broken file keeps the old keys (logged once, counted).</summary>
public sealed class JwksFileTests : IDisposable
{
    private static readonly TestSigningKey First = TestSigningKey.Es256Key("first");
    private static readonly TestSigningKey Second = TestSigningKey.Ed25519Key("second");

    private readonly string _directory = Directory.CreateTempSubdirectory("neuropilot-jwks-").FullName;
    private readonly EdgeMetrics _metrics = new(Prometheus.Metrics.NewCustomRegistry());
    private readonly CapturingLogger<JwksFile> _logger = new();

    private string KeysPath => Path.Combine(_directory, "jwks.json");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private JwksFile Open(TimeProvider? time = null) => new(KeysPath, _metrics, time ?? Clock(), _logger);

    private double Reloads(string result) => _metrics.JwtKeysReloads.WithLabels(result).Value;

    [Fact]
    public void Create_ReadableFile_LoadsItsKeys()
    {
        File.WriteAllText(KeysPath, Jwks(First));
        using var file = Open();

        Assert.Equal("first", Assert.Single(file.Keys.Keys).Kid);
        Assert.Equal(1, Reloads("applied"));
        Assert.Contains(_logger.Lines, l => l.Text.Contains(KeysPath, StringComparison.Ordinal) && l.Text.Contains("loaded (start)", StringComparison.Ordinal));
    }

    [Fact]
    public void Create_MissingFile_HasNoKeysAndSaysSo()
    {
        using var file = Open();

        Assert.Empty(file.Keys.Keys);
        Assert.Equal(1, Reloads("rejected"));
        Assert.Contains(_logger.Lines, l => l.Text.Contains(KeysPath, StringComparison.Ordinal) && l.Text.Contains("cannot be read", StringComparison.Ordinal));
    }

    [Fact]
    public void Refresh_NewKeys_ReplaceTheOldOnes()
    {
        File.WriteAllText(KeysPath, Jwks(First));
        using var file = Open();
        File.WriteAllText(KeysPath, Jwks(Second));

        Assert.True(file.Refresh("test"));
        Assert.Equal("second", Assert.Single(file.Keys.Keys).Kid);
        Assert.Equal(2, Reloads("applied"));
    }

    [Fact]
    public void Refresh_UnchangedContent_KeepsTheSameKeyObjects()
    {
        File.WriteAllText(KeysPath, Jwks(First));
        using var file = Open();
        var before = file.Keys;
        File.WriteAllText(KeysPath, Jwks(First));

        Assert.False(file.Refresh("test"));
        Assert.Same(before, file.Keys);
        Assert.Equal(1, Reloads("applied"));
    }

    [Theory]
    [InlineData("{ \"keys\": [ { \"kty\": ")]
    [InlineData("{ \"keys\": [] }")]
    [InlineData("{ \"keys\": [ { \"kty\": \"RSA\", \"n\": \"AQAB\", \"e\": \"AQAB\" } ] }")]
    [InlineData("")]
    public void Refresh_BrokenRewrite_KeepsTheOldKeysLogsThePathOnceAndCountsIt(string broken)
    {
        File.WriteAllText(KeysPath, Jwks(First));
        using var file = Open();
        var before = file.Keys;
        File.WriteAllText(KeysPath, broken);

        Assert.False(file.Refresh("test"));
        Assert.False(file.Refresh("test"));
        Assert.Same(before, file.Keys);
        Assert.Equal(1, Reloads("rejected"));
        Assert.Single(_logger.Lines, l => l.Text.Contains($"JWT keys {KeysPath} rejected (test)", StringComparison.Ordinal) && l.Text.Contains("the 1 keys in use stay", StringComparison.Ordinal));
    }

    [Fact]
    public void Refresh_DeletedFile_KeepsTheOldKeys()
    {
        File.WriteAllText(KeysPath, Jwks(First));
        using var file = Open();
        File.Delete(KeysPath);

        Assert.False(file.Refresh("test"));
        Assert.Equal("first", Assert.Single(file.Keys.Keys).Kid);
    }

    [Fact]
    public void Refresh_FixedAfterBroken_AppliesTheFix()
    {
        File.WriteAllText(KeysPath, Jwks(First));
        using var file = Open();
        File.WriteAllText(KeysPath, "broken");
        file.Refresh("test");
        File.WriteAllText(KeysPath, Jwks(First, Second));

        Assert.True(file.Refresh("test"));
        Assert.Equal(2, file.Keys.Keys.Count);
    }

    [Fact]
    public void Watch_PollIntervalPasses_PicksUpAChangeWithoutAnyFileEvent()
    {
        var time = Clock();
        File.WriteAllText(KeysPath, Jwks(First));
        using var file = Open(time);
        file.Watch(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10));
        File.WriteAllText(KeysPath, Jwks(Second));

        time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal("second", Assert.Single(file.Keys.Keys).Kid);
    }

    [Fact]
    public void Validator_ReadsTheFilesKeysOnEveryRequest()
    {
        File.WriteAllText(KeysPath, Jwks(First));
        using var file = Open();
        var validator = new JwtValidator(Options(), file, Clock());
        Assert.Equal(JwtFailure.UnknownKey, validator.Validate(Create(Second)));

        File.WriteAllText(KeysPath, Jwks(First, Second));
        file.Refresh("test");

        Assert.Equal(JwtFailure.None, validator.Validate(Create(Second)));
    }

    [Fact]
    public void Factory_ReloadWithTheSameFile_SharesOneWatchedFileAndItsKeys()
    {
        File.WriteAllText(KeysPath, Jwks(First));
        using var factory = new JwtAuthenticatorFactory(_metrics, Clock(), NullLoggerFactory.Instance);
        var service = Service("api");

        var first = factory.Create(service)!;
        var twin = factory.Create(Service("api-v2"))!;
        factory.CompleteBuild();
        var second = factory.Create(service)!;
        factory.CompleteBuild();

        Assert.Same(first.Validator.Keys, twin.Validator.Keys);
        Assert.Same(first.Validator.Keys, second.Validator.Keys);
        Assert.Equal(1, Reloads("applied"));
    }

    [Fact]
    public void Factory_ConfigReload_RereadsAChangedFileWithoutWaitingForTheWatch()
    {
        File.WriteAllText(KeysPath, Jwks(First));
        using var factory = new JwtAuthenticatorFactory(_metrics, Clock(), NullLoggerFactory.Instance);
        var before = factory.Create(Service("api"))!;
        factory.CompleteBuild();
        File.WriteAllText(KeysPath, Jwks(Second));

        var after = factory.Create(Service("api"))!;
        factory.CompleteBuild();

        Assert.Equal("second", Assert.Single(after.Validator.Keys.Keys).Kid);
        Assert.Same(after.Validator.Keys, before.Validator.Keys);
    }

    [Fact]
    public void Factory_FileNoLongerNamed_StopsBeingWatched()
    {
        File.WriteAllText(KeysPath, Jwks(First));
        using var factory = new JwtAuthenticatorFactory(_metrics, Clock(), NullLoggerFactory.Instance);
        factory.Create(Service("api"));
        factory.CompleteBuild();
        Assert.NotNull(factory.Find(KeysPath));

        Assert.Null(factory.Create(new ServiceOptions { Name = "api", Regions = [] }));
        factory.CompleteBuild();

        Assert.Null(factory.Find(KeysPath));
    }

    private ServiceOptions Service(string name) => new()
    {
        Name = name,
        Regions = [],
        Jwt = new JwtOptions { Issuer = Issuer, Audiences = [Audience], KeysFile = KeysPath },
    };
}

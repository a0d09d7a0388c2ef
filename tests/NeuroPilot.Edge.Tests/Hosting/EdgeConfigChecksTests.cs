using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Forwarding;
using NeuroPilot.Edge.Hosting;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;
using NeuroPilot.Edge.Tests.Authentication;
using static NeuroPilot.Edge.Tests.Configuration.TestConfigs;

namespace NeuroPilot.Edge.Tests.Hosting;

/// <summary>
/// The features' config checks run wherever a config is loaded for use: Configuration alone cannot see a keys file
/// without a usable key, the composed checks can, and a reload to such a config is refused while the old one serves.
/// </summary>
public sealed class EdgeConfigChecksTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("neuropilot-edge-checks-").FullName;
    private readonly string _goodKeys;
    private readonly string _emptyKeys;

    public EdgeConfigChecksTests()
    {
        _goodKeys = Path.Combine(_directory, "good.json");
        File.WriteAllText(_goodKeys, TestTokens.Jwks(TestSigningKey.Es256Key("ec")));
        _emptyKeys = Path.Combine(_directory, "empty.json");
        File.WriteAllText(_emptyKeys, "{ \"keys\": [] }");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string WithKeys(string keysFile) => Config(api: $$"""
        "Jwt": { "Issuer": "https://login.example.test/", "Audiences": ["api"], "KeysFile": "{{keysFile}}" },
        """);

    [Fact]
    public void Load_KeysFileWithoutAUsableKey_OnlyTheFeatureChecksRefuseIt()
    {
        var json = WithKeys(_emptyKeys);

        Assert.Equal(_emptyKeys, ConfigLoader.Load(json).Services[0].Jwt!.KeysFile);
        var error = Assert.Single(Assert.Throws<ConfigException>(() => ConfigLoader.Load(json, EdgeConfigChecks.All)).Errors);
        Assert.Equal("Services.api.Jwt.KeysFile", error.Path);
        Assert.Contains("has no usable key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reload_ToAKeysFileWithoutAUsableKey_IsRejectedAndTheOldConfigKeepsServing()
    {
        var time = new FakeTimeProvider();
        var metrics = new EdgeMetrics(EdgeMetrics.CreateRegistry());
        var good = WithKeys(_goodKeys);
        var runtime = new EdgeRuntime(
            null, ConfigLoader.Load(good, EdgeConfigChecks.All), good, new RoutingTableBuilder(metrics, new UpstreamClients(), time).Build,
            EdgeConfigChecks.All, metrics, time, NullLogger<EdgeRuntime>.Instance);
        var table = runtime.Table;

        Assert.Equal(ReloadResult.Rejected, runtime.Apply(WithKeys(_emptyKeys), "test"));

        Assert.Equal(_goodKeys, runtime.Config.Services[0].Jwt!.KeysFile);
        Assert.Same(table, runtime.Table);
    }

    [Fact]
    public void Load_BadAlgorithm_TheKeysFileIsNotCheckedAgainstTheRest()
    {
        var errors = ErrorsOf(Config(api: $$"""
            "Jwt": { "Issuer": "i", "Audiences": ["api"], "KeysFile": "{{_emptyKeys}}", "Algorithms": ["HS256"] },
            """));

        Assert.Equal(["Services.api.Jwt.Algorithms[0]"], errors.Select(e => e.Path));
    }
}

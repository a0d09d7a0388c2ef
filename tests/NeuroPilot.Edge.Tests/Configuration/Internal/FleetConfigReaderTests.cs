using System.Text.Json;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Configuration.Internal;
using static NeuroPilot.Edge.Tests.Configuration.TestConfigs;

namespace NeuroPilot.Edge.Tests.Configuration.Internal;

/// <summary>The <c>Fleet</c> section: DESIGN.md's example, defaults, and every mistake named by path with its value.</summary>
public class FleetConfigReaderTests
{
    /// <summary>DESIGN.md's Fleet example, as written there.</summary>
    private const string DesignExample = """
        "Fleet": { "Etcd": { "Endpoints": ["http://127.0.0.1:2379"] }, "Prefix": "/neuropilot-edge/",
                   "EdgeId": "edge-1", "LeaseTtl": "5s", "DnsQuorum": "majority" },
        """;

    private static string WithFleet(string fleet) => Config(root: $"\"Fleet\": {fleet},");

    private static string WithEtcd(string etcd, string rest = "\"EdgeId\": \"edge-1\"") => WithFleet($$"""{ "Etcd": { {{etcd}} }, {{rest}} }""");

    private const string OneEndpoint = "\"Endpoints\": [\"http://127.0.0.1:2379\"]";

    [Fact]
    public void Load_DesignExample_ReadsEveryKey()
    {
        var fleet = ConfigLoader.Load(Config(root: DesignExample)).Fleet!;

        Assert.Equal([new Uri("http://127.0.0.1:2379")], fleet.Etcd.Endpoints);
        Assert.Equal("/neuropilot-edge/", fleet.Prefix);
        Assert.Equal("edge-1", fleet.EdgeId);
        Assert.Equal(TimeSpan.FromSeconds(5), fleet.LeaseTtl);
        Assert.True(fleet.DnsQuorum.IsMajority);
        Assert.Null(fleet.Etcd.Username);
        Assert.Null(fleet.Etcd.CaFile);
    }

    [Fact]
    public void Load_NoFleetSection_HasNoFleet()
    {
        Assert.Null(ConfigLoader.Load(DesignMinimal).Fleet);
    }

    [Fact]
    public void Read_OnlyEndpoints_TakesTheDefaultsAndTheHostNameLowerCased()
    {
        var fleet = ReadFleet($$"""{ "Etcd": { {{OneEndpoint}} } }""", hostName: "Edge-Host-7", out var errors);

        Assert.Empty(errors);
        Assert.Equal("edge-host-7", fleet.EdgeId);
        Assert.Equal(FleetDefaults.Prefix, fleet.Prefix);
        Assert.Equal(FleetDefaults.LeaseTtl, fleet.LeaseTtl);
        Assert.True(fleet.DnsQuorum.IsMajority);
    }

    [Fact]
    public void Read_HostNameThatIsNoEdgeId_AsksForAnEdgeIdNamingTheHostName()
    {
        ReadFleet($$"""{ "Etcd": { {{OneEndpoint}} } }""", hostName: "host with spaces", out var errors);

        var error = Assert.Single(errors);
        Assert.Equal("Fleet.EdgeId", error.Path);
        Assert.Contains("\"host with spaces\" is not an edge id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NoEtcd_NamesTheMissingKey() =>
        AssertSingleError(WithFleet("{ \"EdgeId\": \"edge-1\" }"), "Fleet.Etcd", "missing");

    [Fact]
    public void Load_NoEndpoints_NamesTheMissingKey() =>
        AssertSingleError(WithEtcd("\"CaFile\": null"), "Fleet.Etcd.Endpoints", "missing");

    [Fact]
    public void Load_EmptyEndpoints_SaysItIsEmpty() =>
        AssertSingleError(WithEtcd("\"Endpoints\": []"), "Fleet.Etcd.Endpoints", "is empty");

    [Theory]
    [InlineData("htp://127.0.0.1:2379")]
    [InlineData("127.0.0.1:2379")]
    [InlineData("http://127.0.0.1:2379/v3")]
    [InlineData("http://user:pw@127.0.0.1:2379")]
    [InlineData("http://127.0.0.1:2379?x=1")]
    public void Load_EndpointThatIsNoHttpUrl_NamesItsIndexAndValue(string endpoint) =>
        AssertSingleError(WithEtcd($"\"Endpoints\": [\"http://127.0.0.1:2379\", \"{endpoint}\"]"), "Fleet.Etcd.Endpoints[1]", $"\"{endpoint}\" is not an http or https URL");

    [Fact]
    public void Load_HttpAndHttpsEndpoints_SaysTheyAreMixed() =>
        AssertSingleError(WithEtcd("\"Endpoints\": [\"http://127.0.0.1:2379\", \"https://127.0.0.1:2380\"]"), "Fleet.Etcd.Endpoints", "mixes http and https");

    [Theory]
    [InlineData("neuropilot-edge/")]
    [InlineData("/neuropilot-edge")]
    [InlineData("/")]
    [InlineData("//")]
    [InlineData("/a//b/")]
    public void Load_PrefixNotStartingAndEndingWithSlash_NamesTheValue(string prefix) =>
        AssertSingleError(WithEtcd(OneEndpoint, $"\"EdgeId\": \"edge-1\", \"Prefix\": \"{prefix}\""), "Fleet.Prefix", $"\"{prefix}\" is not a key prefix");

    [Fact]
    public void Load_NestedPrefix_IsKept() =>
        Assert.Equal("/prod/edges/", ConfigLoader.Load(WithEtcd(OneEndpoint, "\"EdgeId\": \"edge-1\", \"Prefix\": \"/prod/edges/\"")).Fleet!.Prefix);

    [Theory]
    [InlineData("Edge-1")]
    [InlineData("edge 1")]
    [InlineData("edge/1")]
    [InlineData("")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")]
    public void Load_EdgeIdOutsideTheAlphabetOrTooLong_NamesTheValue(string id) =>
        AssertSingleError(WithEtcd(OneEndpoint, $"\"EdgeId\": \"{id}\""), "Fleet.EdgeId", $"\"{id}\" is not an edge id");

    [Fact]
    public void Load_EdgeIdOf63AllowedCharacters_IsAccepted()
    {
        var id = "edge_1.a-" + new string('z', 54);
        Assert.Equal(id, ConfigLoader.Load(WithEtcd(OneEndpoint, $"\"EdgeId\": \"{id}\"")).Fleet!.EdgeId);
    }

    [Theory]
    [InlineData("1s")]
    [InlineData("61s")]
    [InlineData("2m")]
    public void Load_LeaseTtlOutOfRange_NamesTheValueAndTheRange(string ttl) =>
        AssertSingleError(WithEtcd(OneEndpoint, $"\"EdgeId\": \"edge-1\", \"LeaseTtl\": \"{ttl}\""), "Fleet.LeaseTtl", $"\"{ttl}\" is out of range (00:00:02 to 00:01:00)");

    [Fact]
    public void Load_LeaseTtlNotWholeSeconds_SaysSo() =>
        AssertSingleError(WithEtcd(OneEndpoint, "\"EdgeId\": \"edge-1\", \"LeaseTtl\": \"2500ms\""), "Fleet.LeaseTtl", "\"2500ms\" is not a whole number of seconds");

    [Theory]
    [InlineData("2s", 2)]
    [InlineData("00:01:00", 60)]
    public void Load_LeaseTtlAtTheBounds_IsAccepted(string ttl, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), ConfigLoader.Load(WithEtcd(OneEndpoint, $"\"EdgeId\": \"edge-1\", \"LeaseTtl\": \"{ttl}\"")).Fleet!.LeaseTtl);

    [Fact]
    public void Load_DnsQuorumCount_IsThatCount()
    {
        var quorum = ConfigLoader.Load(WithEtcd(OneEndpoint, "\"EdgeId\": \"edge-1\", \"DnsQuorum\": 2")).Fleet!.DnsQuorum;

        Assert.False(quorum.IsMajority);
        Assert.Equal(2, quorum.Count);
    }

    [Theory]
    [InlineData("0", "0")]
    [InlineData("-1", "-1")]
    [InlineData("1.5", "1.5")]
    [InlineData("\"most\"", "\"most\"")]
    [InlineData("\"2\"", "\"2\"")]
    public void Load_DnsQuorumNeitherMajorityNorACount_NamesTheValue(string json, string shown) =>
        AssertSingleError(WithEtcd(OneEndpoint, $"\"EdgeId\": \"edge-1\", \"DnsQuorum\": {json}"), "Fleet.DnsQuorum", $"{shown} is not \"majority\" or a whole number");

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(4, 3)]
    [InlineData(5, 3)]
    public void Required_Majority_IsMoreThanHalfTheMembers(int members, int required) =>
        Assert.Equal(required, FleetQuorum.Majority.Required(members));

    [Fact]
    public void Required_CountAboveTheMembers_IsCappedAtTheMembers() =>
        Assert.Equal(2, FleetQuorum.Of(3).Required(2));

    [Fact]
    public void Load_PasswordInTheConfig_IsRefusedWithoutShowingIt()
    {
        var error = AssertSingleError(WithEtcd($"{OneEndpoint}, \"Username\": \"edge\", \"PasswordEnv\": \"ETCD_PW\", \"Password\": \"hunter2\""),
            "Fleet.Etcd.Password", "never written in the config");

        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UsernameWithPasswordFile_ReadsBoth()
    {
        var etcd = ConfigLoader.Load(WithEtcd($"{OneEndpoint}, \"Username\": \"edge\", \"PasswordFile\": \"/run/secrets/etcd\"")).Fleet!.Etcd;

        Assert.Equal(("edge", "/run/secrets/etcd", (string?)null), (etcd.Username, etcd.PasswordFile, etcd.PasswordEnv));
    }

    [Fact]
    public void Load_UsernameWithoutPassword_AsksWhereThePasswordIs() =>
        AssertSingleError(WithEtcd($"{OneEndpoint}, \"Username\": \"edge\""), "Fleet.Etcd.Username", "\"edge\" has no password");

    [Fact]
    public void Load_PasswordWithoutUsername_AsksForTheUser() =>
        AssertSingleError(WithEtcd($"{OneEndpoint}, \"PasswordEnv\": \"ETCD_PW\""), "Fleet.Etcd.Username", "missing");

    [Fact]
    public void Load_PasswordFileAndPasswordEnv_AsksForOne() =>
        AssertSingleError(WithEtcd($"{OneEndpoint}, \"Username\": \"edge\", \"PasswordFile\": \"/p\", \"PasswordEnv\": \"ETCD_PW\""), "Fleet.Etcd.PasswordEnv", "name one place");

    [Theory]
    [InlineData("1ETCD")]
    [InlineData("ETCD-PW")]
    [InlineData("")]
    public void Load_PasswordEnvThatIsNoVariableName_NamesTheValue(string name) =>
        AssertHasError(WithEtcd($"{OneEndpoint}, \"Username\": \"edge\", \"PasswordEnv\": \"{name}\""), "Fleet.Etcd.PasswordEnv", $"\"{name}\" is not an environment variable name");

    [Fact]
    public void Load_CaFileWithHttpsEndpoints_IsKept() =>
        Assert.Equal("/etc/etcd/ca.pem", ConfigLoader.Load(WithEtcd("\"Endpoints\": [\"https://127.0.0.1:2379\"], \"CaFile\": \"/etc/etcd/ca.pem\"")).Fleet!.Etcd.CaFile);

    [Fact]
    public void Load_CaFileWithHttpEndpoints_SaysTlsNeedsHttps() =>
        AssertSingleError(WithEtcd($"{OneEndpoint}, \"CaFile\": \"/etc/etcd/ca.pem\""), "Fleet.Etcd.CaFile", "endpoints use http");

    [Fact]
    public void Load_EmptyCaFile_SaysItIsEmpty() =>
        AssertSingleError(WithEtcd("\"Endpoints\": [\"https://127.0.0.1:2379\"], \"CaFile\": \" \""), "Fleet.Etcd.CaFile", "is empty");

    [Fact]
    public void Load_UnknownKeys_AreNamedInFleetAndEtcd()
    {
        var errors = ErrorsOf(WithEtcd($"{OneEndpoint}, \"Endpoint\": \"x\"", "\"EdgeId\": \"edge-1\", \"Lease\": \"5s\""));

        Assert.Equal(["Fleet.Etcd.Endpoint", "Fleet.Lease"], errors.Select(e => e.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Load_SeveralMistakes_AreAllReportedAtOnce()
    {
        var errors = ErrorsOf(WithFleet("""
            { "Etcd": { "Endpoints": ["ftp://x"], "Username": "edge" }, "Prefix": "x", "EdgeId": "A B", "LeaseTtl": "1s", "DnsQuorum": 0 }
            """));

        Assert.Equal(
            ["Fleet.DnsQuorum", "Fleet.EdgeId", "Fleet.Etcd.Endpoints[0]", "Fleet.Etcd.Username", "Fleet.LeaseTtl", "Fleet.Prefix"],
            errors.Select(e => e.Path).Order(StringComparer.Ordinal));
    }

    private static FleetOptions ReadFleet(string json, string hostName, out List<ConfigError> errors)
    {
        errors = [];
        using var document = JsonDocument.Parse(json);
        var reader = ConfigReader.Open(errors, "Fleet", document.RootElement)!;
        return FleetConfigReader.Read(reader, hostName);
    }
}

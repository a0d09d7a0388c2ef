using System.Net;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns;
using static NeuroPilot.Edge.Tests.Configuration.TestConfigs;

namespace NeuroPilot.Edge.Tests.Configuration.Internal;

/// <summary>The <c>Dns</c> section: the issue's example, defaults, and every mistake named by path (cross-key rules included).</summary>
public class DnsConfigReaderTests
{
    private const string ThreeRegions = """
        [ { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001"] },
          { "Name": "eu-west", "Destinations": ["http://127.0.0.1:9002"] },
          { "Name": "ap-south", "Destinations": ["http://127.0.0.1:9003"] } ]
        """;

    /// <summary>The example of issue 4, as written there.</summary>
    private const string IssueExample = """
        "Dns": {
          "Provider": "cloudflare",
          "OwnerId": "edge-fleet-1",
          "Interval": "00:00:30",
          "DownHoldTime": "00:00:10",
          "UpHoldTime": "00:01:00",
          "DryRun": false,
          "Records": [
            { "Name": "api.example.com", "Type": "A", "Ttl": 60, "Service": "api", "Policy": "failover",
              "Regions": { "us-east": ["198.51.100.10"], "eu-west": ["198.51.100.20"], "ap-south": ["198.51.100.30"] } }
          ],
          "Cloudflare": { "ZoneId": "023e105f4ecef8ad9ca31a8372d0c353", "ApiBaseUrl": "https://api.cloudflare.com/client/v4", "Proxied": false },
          "Rfc2136": { "Server": "127.0.0.1:5353", "Zone": "example.com.", "TsigKeyName": "edge-key", "TsigAlgorithm": "hmac-sha256" }
        },
        """;

    private static string WithDns(string dns) => Config(regions: ThreeRegions, root: dns);

    private static string Records(string records, string provider = "\"Provider\": \"rfc2136\", \"Rfc2136\": { \"Server\": \"127.0.0.1:5353\", \"Zone\": \"example.com\", \"TsigKeyName\": \"edge-key\" },") =>
        WithDns($$"""
            "Dns": { {{provider}} "OwnerId": "edge-fleet-1", "Records": [ {{records}} ] },
            """);

    [Fact]
    public void Load_IssueExample_ReadsEveryKey()
    {
        var dns = ConfigLoader.Load(WithDns(IssueExample)).Dns!;

        Assert.Equal(DnsProviderKind.Cloudflare, dns.Provider);
        Assert.Equal("edge-fleet-1", dns.OwnerId);
        Assert.Equal(TimeSpan.FromSeconds(30), dns.Interval);
        Assert.Equal(TimeSpan.FromSeconds(10), dns.DownHoldTime);
        Assert.Equal(TimeSpan.FromMinutes(1), dns.UpHoldTime);
        Assert.False(dns.DryRun);
        var record = Assert.Single(dns.Records);
        Assert.Equal(("api.example.com", DnsRecordType.A, 60, "api", DnsPolicy.Failover), (record.Name, record.Type, record.Ttl, record.Service, record.Policy));
        Assert.Equal(["us-east", "eu-west", "ap-south"], record.Regions.Select(r => r.Region));
        Assert.Equal(["198.51.100.20"], record.Regions[1].Values);
        Assert.Equal("023e105f4ecef8ad9ca31a8372d0c353", dns.Cloudflare!.ZoneId);
        Assert.Equal(new Uri("https://api.cloudflare.com/client/v4"), dns.Cloudflare.ApiBaseUrl);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 5353), dns.Rfc2136!.Server);
        Assert.Equal("example.com", dns.Rfc2136.Zone);
        Assert.Equal("edge-key", dns.Rfc2136.TsigKeyName);
    }

    [Fact]
    public void Load_MinimalDnsSection_AppliesDefaults()
    {
        var dns = ConfigLoader.Load(Records("""{ "Name": "API.Example.com.", "Service": "api", "Regions": { "us-east": "198.51.100.10" } }""")).Dns!;

        Assert.Equal(DnsDefaults.Interval, dns.Interval);
        Assert.Equal(DnsDefaults.DownHoldTime, dns.DownHoldTime);
        Assert.Equal(DnsDefaults.UpHoldTime, dns.UpHoldTime);
        Assert.Equal(0.3, dns.MaxChangeShare);
        var record = Assert.Single(dns.Records);
        Assert.Equal("api.example.com", record.Name);
        Assert.Equal(DnsRecordType.A, record.Type);
        Assert.Equal(60, record.Ttl);
        Assert.Equal(DnsPolicy.Failover, record.Policy);
        Assert.Equal(53, ConfigLoader.Load(Records("", "\"Provider\": \"rfc2136\", \"Rfc2136\": { \"Server\": \"192.0.2.53\", \"Zone\": \"example.com\", \"TsigKeyName\": \"k\" },")).Dns!.Rfc2136!.Server.Port);
    }

    [Fact]
    public void Load_AllHealthyAaaaRecord_CanonicalizesAddresses()
    {
        var record = Assert.Single(ConfigLoader.Load(Records(
            """{ "Name": "v6.example.com", "Type": "AAAA", "Policy": "all-healthy", "Service": "api", "Regions": { "us-east": ["2001:DB8:0:0::10"], "eu-west": ["2001:db8::20"] } }""")).Dns!.Records);

        Assert.Equal(DnsPolicy.AllHealthy, record.Policy);
        Assert.Equal(["2001:db8::10"], record.Regions[0].Values);
    }

    [Theory]
    [InlineData("""{ "Name": "api.example.com", "Service": "api", "Regions": { "us-east": ["198.51.100.999"] } }""", "Dns.Records[0].Regions.us-east[0]", "\"198.51.100.999\" is not an IPv4 address")]
    [InlineData("""{ "Name": "api.example.com", "Type": "AAAA", "Service": "api", "Regions": { "us-east": ["198.51.100.1"] } }""", "Dns.Records[0].Regions.us-east[0]", "is not an IPv6 address")]
    [InlineData("""{ "Name": "api.example.com", "Type": "MX", "Service": "api", "Regions": { "us-east": ["198.51.100.1"] } }""", "Dns.Records[0].Type", "\"MX\" is not one of: A, AAAA, CNAME")]
    [InlineData("""{ "Name": "api.example.com", "Type": "TXT", "Service": "api", "Regions": { "us-east": ["x"] } }""", "Dns.Records[0].Type", "is not one of: A, AAAA, CNAME")]
    [InlineData("""{ "Name": "api", "Service": "api", "Regions": { "us-east": ["198.51.100.1"] } }""", "Dns.Records[0].Name", "is not a fully qualified DNS name")]
    [InlineData("""{ "Name": "api.example.com", "Service": "apx", "Regions": { "us-east": ["198.51.100.1"] } }""", "Dns.Records[0].Service", "\"apx\" is not a service (Services: api)")]
    [InlineData("""{ "Name": "api.example.com", "Service": "api", "Regions": { "us-eats": ["198.51.100.1"] } }""", "Dns.Records[0].Regions.us-eats", "is not a region of Services.api (us-east, eu-west, ap-south)")]
    [InlineData("""{ "Name": "api.other.org", "Service": "api", "Regions": { "us-east": ["198.51.100.1"] } }""", "Dns.Records[0].Name", "is not in Dns.Rfc2136.Zone \"example.com\"")]
    [InlineData("""{ "Name": "api.example.com", "Service": "api", "Policy": "round-robin", "Regions": { "us-east": ["198.51.100.1"] } }""", "Dns.Records[0].Policy", "is not one of: failover, allhealthy")]
    [InlineData("""{ "Name": "www.example.com", "Type": "CNAME", "Service": "api", "Regions": { "us-east": ["a.example.net", "b.example.net"] } }""", "Dns.Records[0].Regions.us-east", "a CNAME record has exactly one")]
    [InlineData("""{ "Name": "api.example.com", "Service": "api", "Regions": { } }""", "Dns.Records[0].Regions", "is empty")]
    [InlineData("""{ "Name": "api.example.com", "Service": "api" }""", "Dns.Records[0].Regions", "missing")]
    [InlineData("""{ "Name": "api.example.com", "Service": "api", "Regions": { "us-east": ["198.51.100.1"] }, "Tll": 60 }""", "Dns.Records[0].Tll", "unknown key")]
    public void Load_BadRecord_NamesPathAndValue(string record, string path, string message) =>
        AssertSingleError(Records(record), path, message);

    [Fact]
    public void Load_SameNameAndTypeTwice_IsRejected() =>
        AssertSingleError(Records("""
            { "Name": "api.example.com", "Service": "api", "Regions": { "us-east": ["198.51.100.1"] } },
            { "Name": "API.example.com", "Service": "api", "Regions": { "eu-west": ["198.51.100.2"] } }
            """), "Dns.Records[1].Name", "\"api.example.com\" A is already published by Dns.Records[0]");

    [Fact]
    public void Load_NameWithoutRoomForItsOwnershipMarker_IsRejected()
    {
        // 244 characters: a valid name, but "_neuropilot-edge.a." before it passes DNS's 253.
        var name = string.Join('.', new string('a', 63), new string('b', 63), new string('c', 63), new string('d', 40), "example.com");

        AssertSingleError(Records($$"""{ "Name": "{{name}}", "Service": "api", "Regions": { "us-east": ["198.51.100.1"] } }"""),
            "Dns.Records[0].Name", "is too long to carry an ownership marker (19 characters are added)");
    }

    [Fact]
    public void Load_CnameNextToAnAddressRecord_IsRejected() =>
        AssertSingleError(Records("""
            { "Name": "api.example.com", "Service": "api", "Regions": { "us-east": ["198.51.100.1"] } },
            { "Name": "api.example.com", "Type": "CNAME", "Service": "api", "Regions": { "eu-west": ["lb.example.net"] } }
            """), "Dns.Records[1].Type", "a CNAME cannot share its name");

    [Theory]
    [InlineData("\"Provider\": \"route53\",", "Dns.Provider", "\"route53\" is not one of: cloudflare, rfc2136")]
    [InlineData("\"Provider\": \"cloudflare\",", "Dns.Cloudflare", "missing: Provider \"cloudflare\" needs")]
    [InlineData("\"Provider\": \"rfc2136\",", "Dns.Rfc2136", "missing: Provider \"rfc2136\" needs")]
    [InlineData("\"Provider\": \"cloudflare\", \"Cloudflare\": { },", "Dns.Cloudflare.ZoneId", "missing")]
    [InlineData("\"Provider\": \"cloudflare\", \"Cloudflare\": { \"ZoneId\": \"z\", \"ApiToken\": \"secret\" },", "Dns.Cloudflare.ApiToken", "unknown key")]
    [InlineData("\"Provider\": \"rfc2136\", \"Rfc2136\": { \"Server\": \"ns1.example.com:53\", \"Zone\": \"example.com\", \"TsigKeyName\": \"k\" },", "Dns.Rfc2136.Server", "is not an IP address with an optional port")]
    [InlineData("\"Provider\": \"rfc2136\", \"Rfc2136\": { \"Server\": \"127.0.0.1:53\", \"Zone\": \"example.com\", \"TsigKeyName\": \"k\", \"TsigAlgorithm\": \"hmac-md5\" },", "Dns.Rfc2136.TsigAlgorithm", "\"hmac-md5\" is not one of: hmac-sha256, hmac-sha512")]
    public void Load_BadProviderSettings_NamesPath(string provider, string path, string message) =>
        AssertSingleError(Records("""{ "Name": "api.example.com", "Service": "api", "Regions": { "us-east": ["198.51.100.1"] } }""", provider), path, message);

    [Fact]
    public void Load_CloudflareTtlBelowItsMinimum_IsRejected() =>
        AssertSingleError(
            Records("""{ "Name": "api.example.com", "Ttl": 5, "Service": "api", "Regions": { "us-east": ["198.51.100.1"] } }""", "\"Provider\": \"cloudflare\", \"Cloudflare\": { \"ZoneId\": \"z\" },"),
            "Dns.Records[0].Ttl", "5 is not a Cloudflare TTL (1 for automatic, or 30 to 86400");

    [Fact]
    public void Load_MissingOwnerId_ExplainsWhatItIsFor() =>
        AssertHasError(WithDns("""
            "Dns": { "Provider": "rfc2136", "Rfc2136": { "Server": "127.0.0.1", "Zone": "example.com", "TsigKeyName": "k" }, "Records": [] },
            """), "Dns.OwnerId", "only records carrying its marker are ever changed");
}

using Microsoft.Extensions.Logging;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Hosting;
using static NeuroPilot.Edge.Tests.Configuration.TestConfigs;

namespace NeuroPilot.Edge.Tests.Configuration;

/// <summary>Reading the file: JSON, key names, types, values. Cross-key rules are in <see cref="ConfigValidatorTests"/>.</summary>
public class ConfigLoaderTests
{
    [Fact]
    public void Load_DesignMinimalConfig_HasThreeRegionsInPriorityOrder()
    {
        var config = ConfigLoader.Load(NeuroPilot.Edge.Demo.DemoCommand.Config);

        var service = Assert.Single(config.Services);
        Assert.Equal("api", service.Name);
        Assert.Equal(["us-east", "eu-west", "ap-south"], service.Regions.Select(r => r.Name));
        Assert.Equal(TimeSpan.FromSeconds(10), service.HealthCheck.Interval);
    }

    [Fact]
    public void Load_DesignMinimalConfig_AppliesDocumentedDefaults()
    {
        var config = ConfigLoader.Load(DesignMinimal);

        Assert.Equal([new Uri("http://127.0.0.1:8080")], config.Edge.Listen);
        Assert.Equal(new Uri("http://127.0.0.1:9901"), config.Edge.Admin.Listen);
        Assert.Equal(TimeSpan.FromSeconds(30), config.Edge.DrainTimeout);
        Assert.Equal(LogFormat.Text, config.Edge.Logging.Format);
        Assert.Equal(LogLevel.Information, config.Edge.Logging.Level);
        Assert.False(config.Edge.AccessLog.Enabled);

        var service = Assert.Single(config.Services);
        Assert.Empty(service.Hosts);
        Assert.Null(service.PathPrefix);
        Assert.Equal(TimeSpan.FromSeconds(1), service.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), service.RequestTimeout);
        Assert.Equal(UpstreamHttpVersion.Auto, service.UpstreamHttpVersion);
        Assert.False(service.PreserveHost);
        Assert.Equal([new Uri("http://127.0.0.1:9002")], service.Regions[1].Destinations);

        var health = service.HealthCheck;
        Assert.Equal("/healthz", health.Path);
        Assert.Equal(TimeSpan.FromSeconds(10), health.Interval);
        Assert.Equal(TimeSpan.FromSeconds(2), health.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(1), health.FastInterval);
        Assert.Equal(3, health.UnhealthyThreshold);
        Assert.Equal(2, health.HealthyThreshold);
    }

    [Fact]
    public void Load_WithoutEdgeSection_ListensOnDefaultUrls()
    {
        var config = ConfigLoader.Load("""{ "Services": { "api": { "Regions": [ { "Name": "us-east", "Destinations": "http://127.0.0.1:9001" } ] } } }""");

        Assert.Equal([new Uri("http://127.0.0.1:8080")], config.Edge.Listen);
        Assert.Equal(new Uri("http://127.0.0.1:9901"), config.Edge.Admin.Listen);
        Assert.Null(Assert.Single(config.Services).HealthCheck.Path);
    }

    [Fact]
    public void Load_CommentsAndTrailingCommas_AreAccepted()
    {
        var config = ConfigLoader.Load("""
            {
              // line comment
              "Services": {
                /* block comment */
                "api": {
                  "Regions": [
                    { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001",], },
                  ],
                },
              },
            }
            """);

        Assert.Equal("us-east", Assert.Single(Assert.Single(config.Services).Regions).Name);
    }

    [Fact]
    public void Load_KeysInAnyCase_AreRead()
    {
        var config = ConfigLoader.Load("""
            {
              "edge": { "LISTEN": ["http://127.0.0.1:8081"], "admin": { "listen": "http://127.0.0.1:9902" } },
              "SERVICES": {
                "api": {
                  "regions": [ { "NAME": "us-east", "destinations": ["http://127.0.0.1:9001"] } ],
                  "healthcheck": { "interval": "5s", "TIMEOUT": "1s" },
                  "connecttimeout": "250ms",
                }
              }
            }
            """);

        Assert.Equal([new Uri("http://127.0.0.1:8081")], config.Edge.Listen);
        Assert.Equal(new Uri("http://127.0.0.1:9902"), config.Edge.Admin.Listen);
        var service = Assert.Single(config.Services);
        Assert.Equal("us-east", Assert.Single(service.Regions).Name);
        Assert.Equal(TimeSpan.FromSeconds(5), service.HealthCheck.Interval);
        Assert.Equal(TimeSpan.FromSeconds(1), service.HealthCheck.Timeout);
        Assert.Equal(TimeSpan.FromMilliseconds(250), service.ConnectTimeout);
    }

    [Fact]
    public void Load_NotValidJson_NamesLineAndColumn()
    {
        var error = Assert.Single(ErrorsOf("{\n  \"Edge\": ,\n}"));

        Assert.Equal("(file)", error.Path);
        Assert.Equal("not valid JSON at line 2, column 11", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{ \"Services\": ")]
    [InlineData("{ \"Services\": {} } }")]
    public void Load_TruncatedOrExtraText_IsNotValidJson(string json)
    {
        var error = Assert.Single(ErrorsOf(json));

        Assert.Equal("(file)", error.Path);
        Assert.StartsWith("not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_MissingFile_NamesTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"neuropilot-edge-missing-{Guid.NewGuid():N}.json");

        var error = Assert.Single(Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path, EdgeConfigChecks.All)).Errors);

        Assert.Equal("(file)", error.Path);
        Assert.Contains($"cannot read \"{path}\"", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]", "an array is not an object")]
    [InlineData("42", "42 is not an object")]
    [InlineData("\"api\"", "\"api\" is not an object")]
    [InlineData("null", "null is not an object")]
    public void Load_RootNotAnObject_NamesRootAndValue(string json, string message)
    {
        var error = Assert.Single(ErrorsOf(json));

        Assert.Equal("(root)", error.Path);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Load_ServicesMissing_SaysAServiceIsRequired() =>
        AssertHasError("""{ "Edge": {} }""", "Services", "missing: at least one service is required");

    [Fact]
    public void Load_ServicesEmpty_SaysAServiceIsRequired() =>
        AssertSingleError("""{ "Services": {} }""", "Services", "is empty: at least one service is required");

    [Fact]
    public void Load_TrustedProxies_AcceptsNetworksAndAddresses()
    {
        var config = ConfigLoader.Load(Config(edge: """{ "TrustedProxies": ["173.245.48.0/20", "2400:cb00::/32", "10.1.2.3"], "ClientAddressHeader": "CF-Connecting-IP" }"""));

        Assert.Equal(["173.245.48.0/20", "2400:cb00::/32", "10.1.2.3/32"], config.Edge.TrustedProxies.Select(n => n.ToString()));
        Assert.Equal(ClientAddressHeader.CfConnectingIp, config.Edge.ClientAddressHeader);
    }

    [Theory]
    [InlineData("173.245.48.1/20")]
    [InlineData("10.0.0.0/33")]
    [InlineData("cloudflare")]
    public void Load_TrustedProxyNotANetwork_NamesItsPathAndValue(string value) =>
        AssertSingleError(Config(edge: $$"""{ "TrustedProxies": ["10.0.0.0/8", "{{value}}"] }"""), "Edge.TrustedProxies[1]",
            $"\"{value}\" is not an address or a network in CIDR form (\"173.245.48.0/20\", no host bits set)");

    [Fact]
    public void Load_ClientAddressHeaderUnknown_NamesTheChoices() =>
        AssertSingleError(Config(edge: """{ "ClientAddressHeader": "X-Client" }"""), "Edge.ClientAddressHeader",
            "\"X-Client\" is not one of: X-Forwarded-For, Forwarded, CF-Connecting-IP, X-Real-IP, True-Client-IP");

    [Theory]
    [InlineData(null, IoScheduling.Inline)]
    [InlineData("\"inline\"", IoScheduling.Inline)]
    [InlineData("\"threadpool\"", IoScheduling.ThreadPool)]
    [InlineData("\"thread-pool\"", IoScheduling.ThreadPool)]
    public void Load_Scheduling_IsInlineUnlessTheThreadPoolIsAskedFor(string? value, IoScheduling expected)
    {
        var config = ConfigLoader.Load(Config(edge: value is null ? "{}" : $$"""{ "Scheduling": {{value}} }"""));

        Assert.Equal(expected, config.Edge.Scheduling);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("1", 1)]
    [InlineData("4", 4)]
    public void Load_EventThreads_IsDotNetsChoiceUnlessACountIsGiven(string? value, int? expected)
    {
        var config = ConfigLoader.Load(Config(edge: value is null ? "{}" : $$"""{ "EventThreads": {{value}} }"""));

        Assert.Equal(expected, config.Edge.EventThreads);
    }

    [Theory]
    [InlineData("0", "0 is out of range (1 to 1024)")]
    [InlineData("1025", "1025 is out of range (1 to 1024)")]
    [InlineData("\"auto\"", "\"auto\" is not a whole number")]
    [InlineData("1.5", "1.5 is not a whole number")]
    public void Load_EventThreadsInvalid_NamesThePathAndValue(string value, string message) =>
        AssertSingleError(Config(edge: $$"""{ "EventThreads": {{value}} }"""), "Edge.EventThreads", message);

    [Fact]
    public void Load_SchedulingUnknown_NamesTheChoices() =>
        AssertSingleError(Config(edge: """{ "Scheduling": "epoll" }"""), "Edge.Scheduling", "\"epoll\" is not one of: inline, threadpool");

    [Fact]
    public void Load_Limits_AreReadWithTheirDefaults()
    {
        var config = ConfigLoader.Load(Config(
            edge: """{ "Limits": { "MaxConnections": 500, "RequestHeadersTimeout": "5s" } }""",
            api: """ "Limits": { "MaxRequestBodySize": "10MiB", "MaxInFlight": 100, "RateLimit": { "PerClient": 50 } },"""));
        var limits = config.Services[0].Limits;

        Assert.Equal(10L << 20, limits.MaxRequestBodySize);
        Assert.Equal(100, limits.MaxInFlight);
        Assert.Equal(25, limits.MaxQueue);
        Assert.Equal(TimeSpan.FromSeconds(1), limits.QueueTimeout);
        Assert.Equal((50, TimeSpan.FromSeconds(1), 50), (limits.RateLimit!.PerClient, limits.RateLimit.Per, limits.RateLimit.Burst));
        Assert.Equal(500, config.Edge.Limits.MaxConnections);
        Assert.Equal(TimeSpan.FromSeconds(5), config.Edge.Limits.RequestHeadersTimeout);
        Assert.Equal(LimitsDefaults.KeepAliveTimeout, config.Edge.Limits.KeepAliveTimeout);
    }

    [Theory]
    [InlineData(""" "Limits": { "MaxRequestBodySize": "ten megs" },""", "Services.api.Limits.MaxRequestBodySize", "\"ten megs\" is not a size in bytes (a number, or \"64KiB\", \"10MB\", \"1GiB\")")]
    [InlineData(""" "Limits": { "MaxQueue": 10 },""", "Services.api.Limits.MaxQueue", "needs MaxInFlight: requests queue only for a busy in-flight limit")]
    [InlineData(""" "Limits": { "RateLimit": { "Burst": 10 } },""", "Services.api.Limits.RateLimit.PerClient", "missing: requests per client per period")]
    [InlineData(""" "Limits": { "MaxInFlight": 0 },""", "Services.api.Limits.MaxInFlight", "0 is out of range (1 to 10000000)")]
    public void Load_LimitsWrong_NamePathAndValue(string api, string path, string message) =>
        AssertSingleError(Config(api: api), path, message);

    public static TheoryData<string, string> UnknownKeys => new()
    {
        { Config(root: "\"Servers\": {},"), "Servers" },
        { Config(edge: """{ "Listne": ["http://127.0.0.1:8080"] }"""), "Edge.Listne" },
        { Config(edge: """{ "Admin": { "Port": 9901 } }"""), "Edge.Admin.Port" },
        { Config(edge: """{ "Logging": { "Formt": "json" } }"""), "Edge.Logging.Formt" },
        { Config(edge: """{ "AccessLog": { "Enable": true } }"""), "Edge.AccessLog.Enable" },
        { Config(api: "\"Host\": \"api.example.com\","), "Services.api.Host" },
        { Config(api: """ "HealthCheck": { "Intervall": "5s" },"""), "Services.api.HealthCheck.Intervall" },
        { Config(regions: """[ { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001"], "Weight": 2 } ]"""), "Services.api.Regions[0].Weight" },
        { Config(api: """ "CircuitBreaker": { "BreakTime": "5s" },"""), "Services.api.CircuitBreaker.BreakTime" },
        { Config(api: """ "Retry": { "Attempts": 2 },"""), "Services.api.Retry.Attempts" },
    };

    [Theory]
    [MemberData(nameof(UnknownKeys))]
    public void Load_UnknownKey_NamesItsPath(string json, string path) =>
        AssertSingleError(json, path, "unknown key");

    [Fact]
    public void Load_RegionsKeyMisspelled_ReportsTheTypoAndTheMissingRegions()
    {
        var json = """{ "Services": { "api": { "Regoins": [ { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001"] } ] } } }""";

        AssertHasError(json, "Services.api.Regoins", "unknown key");
        AssertHasError(json, "Services.api.Regions", "missing: a service needs at least one region");
    }

    public static TheoryData<string, string> DuplicateKeys => new()
    {
        { Config(root: "\"edge\": {},"), "Edge" },
        { Config(api: """ "PathPrefix": "/a", "pathPrefix": "/b","""), "Services.api.pathPrefix" },
        { Config(services: $$"""  "API": { "PathPrefix": "/b", "Regions": {{OneRegion}} },"""), "Services.API" },
        { Config(regions: """[ { "Name": "us-east", "name": "eu-west", "Destinations": ["http://127.0.0.1:9001"] } ]"""), "Services.api.Regions[0].name" },
    };

    [Theory]
    [MemberData(nameof(DuplicateKeys))]
    public void Load_DuplicateKeyDifferingInCase_NamesTheSecondSpelling(string json, string path) =>
        AssertSingleError(json, path, "duplicate key (keys are case-insensitive)");

    public static TheoryData<string, string, string> WrongTypes => new()
    {
        { Config(edge: "\"fast\""), "Edge", "\"fast\" is not an object" },
        { Config(edge: """{ "Listen": 8080 }"""), "Edge.Listen", "8080 is not an array of strings" },
        { Config(edge: """{ "Admin": { "Listen": 9901 } }"""), "Edge.Admin.Listen", "9901 is not a string" },
        { Config(edge: """{ "AccessLog": { "Enabled": "yes" } }"""), "Edge.AccessLog.Enabled", "\"yes\" is not true or false" },
        { Config(api: "\"PathPrefix\": 5,"), "Services.api.PathPrefix", "5 is not a string" },
        { Config(api: "\"Hosts\": { \"a\": 1 },"), "Services.api.Hosts", "an object is not an array of strings" },
        { Config(api: "\"PreserveHost\": \"true\","), "Services.api.PreserveHost", "\"true\" is not true or false" },
        { Config(api: "\"ConnectTimeout\": 5,"), "Services.api.ConnectTimeout", "5 is not a string" },
        { Config(api: """ "HealthCheck": { "UnhealthyThreshold": "3" },"""), "Services.api.HealthCheck.UnhealthyThreshold", "\"3\" is not a whole number" },
        { Config(api: """ "HealthCheck": { "HealthyThreshold": 1.5 },"""), "Services.api.HealthCheck.HealthyThreshold", "1.5 is not a whole number" },
        { Config(api: """ "HealthCheck": [],"""), "Services.api.HealthCheck", "an array is not an object" },
        { Config(api: """ "Retry": { "BudgetPercent": "20" },"""), "Services.api.Retry.BudgetPercent", "\"20\" is not a number" },
        { Config(api: """ "CircuitBreaker": { "FailureStatusCodes": 503 },"""), "Services.api.CircuitBreaker.FailureStatusCodes", "503 is not an array of status codes (503, \"500-599\" or \"5xx\")" },
        { Config(regions: """[ { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001", 9002] } ]"""), "Services.api.Regions[0].Destinations[1]", "9002 is not a string" },
    };

    [Theory]
    [MemberData(nameof(WrongTypes))]
    public void Load_WrongType_NamesPathAndValue(string json, string path, string message) =>
        AssertSingleError(json, path, message);

    [Fact]
    public void Load_RegionsNotAnArray_NamesPathAndValue() =>
        AssertHasError(Config(regions: "\"us-east\""), "Services.api.Regions", "\"us-east\" is not an array of regions");

    [Fact]
    public void Load_RegionNameNotAString_NamesPathAndValue() =>
        AssertHasError(
            Config(regions: """[ { "Name": ["us-east"], "Destinations": ["http://127.0.0.1:9001"] } ]"""),
            "Services.api.Regions[0].Name",
            "an array is not a string");

    public static TheoryData<string, string> OneProblemEach => new()
    {
        { """{ "Edge": {} }""", "Services" },
        { Config(regions: "\"us-east\""), "Services.api.Regions" },
        { Config(regions: """[ { "Name": ["us-east"], "Destinations": ["http://127.0.0.1:9001"] } ]"""), "Services.api.Regions[0].Name" },
        { """{ "Services": { "api": { "PathPrefix": "/api" } } }""", "Services.api.Regions" },
        { Config(regions: """[ { "Name": "us-east" } ]"""), "Services.api.Regions[0].Destinations" },
    };

    [Theory]
    [MemberData(nameof(OneProblemEach))]
    public void Load_MissingOrMistypedKey_ReportsOneErrorOnly(string json, string path) =>
        Assert.Equal(path, Assert.Single(ErrorsOf(json)).Path);

    [Fact]
    public void Load_RegionNotAnObject_NamesItsIndex() =>
        AssertHasError(
            Config(regions: """[ { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001"] }, "eu-west" ]"""),
            "Services.api.Regions[1]",
            "\"eu-west\" is not an object");

    [Fact]
    public void Load_ServiceNotAnObject_NamesTheService() =>
        AssertSingleError(Config(services: "\"web\": [\"http://127.0.0.1:9002\"],"), "Services.web", "an array is not an object");

    [Theory]
    [InlineData("00:00:10", 10_000)]
    [InlineData("00:00:00.500", 500)]
    [InlineData("10s", 10_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("500ms", 500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData(" 30s ", 30_000)]
    public void Load_DurationInAcceptedForm_IsRead(string text, double milliseconds)
    {
        var config = ConfigLoader.Load(Config(api: $"\"RequestTimeout\": \"{text}\","));

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Assert.Single(config.Services).RequestTimeout);
    }

    [Theory]
    [InlineData("ten seconds")]
    [InlineData("10 s")]
    [InlineData("10sec")]
    [InlineData("1d")]
    [InlineData("-1s")]
    [InlineData("-00:00:01")]
    [InlineData("s")]
    [InlineData("")]
    public void Load_BadDuration_NamesPathAndValue(string text)
    {
        var error = AssertSingleError(
            Config(api: $"\"HealthCheck\": {{ \"Interval\": \"{text}\" }},"),
            "Services.api.HealthCheck.Interval",
            "is not a duration (write \"00:00:10\" or \"10s\", \"500ms\", \"2m\")");

        Assert.StartsWith($"\"{text}\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DurationWithoutUnit_IsRejected() =>
        AssertSingleError(Config(api: "\"RequestTimeout\": \"1\","), "Services.api.RequestTimeout", "\"1\" is not a duration");

    public static TheoryData<string, string, string> OutOfRange => new()
    {
        { Config(api: """ "HealthCheck": { "UnhealthyThreshold": 0 },"""), "Services.api.HealthCheck.UnhealthyThreshold", "0 is out of range (1 to 100)" },
        { Config(api: """ "HealthCheck": { "HealthyThreshold": 101 },"""), "Services.api.HealthCheck.HealthyThreshold", "101 is out of range (1 to 100)" },
        { Config(api: """ "HealthCheck": { "Interval": "50ms" },"""), "Services.api.HealthCheck.Interval", "\"50ms\" is out of range (00:00:00.1000000 to 01:00:00)" },
        { Config(api: """ "HealthCheck": { "Timeout": "6m" },"""), "Services.api.HealthCheck.Timeout", "\"6m\" is out of range (00:00:00.0100000 to 00:05:00)" },
        { Config(api: "\"ConnectTimeout\": \"5ms\","), "Services.api.ConnectTimeout", "\"5ms\" is out of range (00:00:00.0100000 to 00:05:00)" },
        { Config(api: "\"RequestTimeout\": \"25h\","), "Services.api.RequestTimeout", "\"25h\" is out of range (00:00:00.0100000 to 1.00:00:00)" },
        { Config(edge: """{ "DrainTimeout": "11m" }"""), "Edge.DrainTimeout", "\"11m\" is out of range (00:00:00 to 00:10:00)" },
        { Config(api: "\"MinHealthyDestinations\": 0,"), "Services.api.MinHealthyDestinations", "0 is out of range (1 to 1000)" },
        { Config(api: """ "CircuitBreaker": { "FailureRatio": 0 },"""), "Services.api.CircuitBreaker.FailureRatio", "0 is out of range (0.01 to 1)" },
        { Config(api: """ "Retry": { "MaxAttempts": 11 },"""), "Services.api.Retry.MaxAttempts", "11 is out of range (1 to 10)" },
        { Config(api: """ "Retry": { "BudgetPercent": 100.5 },"""), "Services.api.Retry.BudgetPercent", "100.5 is out of range (0 to 100)" },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void Load_ValueOutOfRange_NamesPathValueAndRange(string json, string path, string message) =>
        AssertSingleError(json, path, message);

    public static TheoryData<string, string, string> BadEnums => new()
    {
        { Config(edge: """{ "Logging": { "Format": "xml" } }"""), "Edge.Logging.Format", "\"xml\" is not one of: text, json" },
        { Config(edge: """{ "Logging": { "Format": "1" } }"""), "Edge.Logging.Format", "\"1\" is not one of: text, json" },
        { Config(edge: """{ "Logging": { "Level": "verbose" } }"""), "Edge.Logging.Level", "\"verbose\" is not one of: trace, debug, information, warning, error, critical, none" },
        { Config(api: "\"UpstreamHttpVersion\": \"http3\","), "Services.api.UpstreamHttpVersion", "\"http3\" is not one of: auto, http11, http2" },
        { Config(api: "\"UpstreamHttpVersion\": \"1.1\","), "Services.api.UpstreamHttpVersion", "\"1.1\" is not one of: auto, http11, http2" },
        { Config(api: "\"NoUsableRegion\": \"fail-open\","), "Services.api.NoUsableRegion", "\"fail-open\" is not one of: panic, failclosed" },
    };

    [Theory]
    [MemberData(nameof(BadEnums))]
    public void Load_BadEnumValue_NamesPathValueAndChoices(string json, string path, string message) =>
        AssertSingleError(json, path, message);

    [Theory]
    [InlineData("json", "HTTP2", LogFormat.Json, UpstreamHttpVersion.Http2)]
    [InlineData("Text", "http11", LogFormat.Text, UpstreamHttpVersion.Http11)]
    [InlineData("TEXT", "auto", LogFormat.Text, UpstreamHttpVersion.Auto)]
    public void Load_EnumValueInAnyCase_IsRead(string format, string version, LogFormat expectedFormat, UpstreamHttpVersion expectedVersion)
    {
        var config = ConfigLoader.Load(Config(
            edge: $$"""{ "Logging": { "Format": "{{format}}" } }""",
            api: $"\"UpstreamHttpVersion\": \"{version}\","));

        Assert.Equal(expectedFormat, config.Edge.Logging.Format);
        Assert.Equal(expectedVersion, Assert.Single(config.Services).UpstreamHttpVersion);
    }

    [Theory]
    [InlineData("failclosed")]
    [InlineData("FailClosed")]
    [InlineData("fail-closed")]
    [InlineData("fail_closed")]
    public void Load_EnumValueWithSeparators_IsRead(string policy) =>
        Assert.Equal(NoUsableRegionPolicy.FailClosed, Assert.Single(ConfigLoader.Load(Config(api: $"\"NoUsableRegion\": \"{policy}\",")).Services).NoUsableRegion);

    [Theory]
    [InlineData("http11, http2")]
    [InlineData("auto,http2")]
    public void Load_TwoEnumNamesJoinedByComma_AreRejected(string version) =>
        AssertSingleError(Config(api: $"\"UpstreamHttpVersion\": \"{version}\","), "Services.api.UpstreamHttpVersion", "is not one of: auto, http11, http2");

    [Theory]
    [InlineData("htp://x")]
    [InlineData("/relative")]
    [InlineData("10.0.0.2:9002")]
    [InlineData("ftp://10.0.0.2")]
    [InlineData("http://10.0.0.2:9002/?debug=1")]
    [InlineData("http://10.0.0.2:9002/#top")]
    [InlineData("http://user:secret@10.0.0.2:9002")]
    [InlineData("")]
    public void Load_BadDestinationUrl_NamesPathAndValue(string url)
    {
        var json = Config(regions: $$"""
            [
              { "Name": "us-east", "Destinations": ["http://10.0.0.1:9001"] },
              { "Name": "eu-west", "Destinations": ["{{url}}", "http://10.0.0.3:9002"] },
            ]
            """);

        var error = Assert.Single(ErrorsOf(json));

        Assert.StartsWith($"Services.api.Regions[1].Destinations[0]: \"{url}\" is not an absolute http or https URL", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DestinationsWithHttpsSchemeOrBasePath_AreRead()
    {
        var config = ConfigLoader.Load(Config(regions: """[ { "Name": "us-east", "Destinations": ["https://api.example.com", "http://10.0.0.1:9001/base"] } ]"""));

        Assert.Equal(
            [new Uri("https://api.example.com"), new Uri("http://10.0.0.1:9001/base")],
            Assert.Single(Assert.Single(config.Services).Regions).Destinations);
    }

    [Theory]
    [InlineData("exa mple.com")]
    [InlineData("http://example.com")]
    [InlineData("example.com:8080")]
    [InlineData("example.com/api")]
    [InlineData("*")]
    [InlineData("*example.com")]
    [InlineData("a.*.example.com")]
    [InlineData("")]
    public void Load_BadHost_NamesPathAndValue(string host) =>
        AssertSingleError(
            Config(api: $"\"Hosts\": [\"api.example.com\", \"{host}\"],"),
            "Services.api.Hosts[1]",
            $"\"{host}\" is not a host name (write \"api.example.com\" or \"*.example.com\")");

    [Fact]
    public void Load_StatusCodesAsNumberRangeOrClass_AreRead()
    {
        var config = ConfigLoader.Load(Config(api: """
            "HealthCheck": { "HealthyStatusCodes": ["2xx", "301-302", 404] },
            "Retry": { "RetryOnStatusCodes": [503, "429"] },
            """));

        var service = Assert.Single(config.Services);
        Assert.Equal([(200, 299), (301, 302), (404, 404)], service.HealthCheck.HealthyStatusCodes);
        Assert.Equal([503, 429], service.Retry.RetryOnStatusCodes);
    }

    [Theory]
    [InlineData("\"600\"")]
    [InlineData("99")]
    [InlineData("\"6xx\"")]
    [InlineData("\"299-200\"")]
    [InlineData("\"2XX-3XX\"")]
    [InlineData("503.5")]
    [InlineData("\"ok\"")]
    public void Load_BadStatusCode_NamesPathAndValue(string code) =>
        AssertSingleError(
            Config(api: $$"""  "HealthCheck": { "HealthyStatusCodes": ["2xx", {{code}}] },"""),
            "Services.api.HealthCheck.HealthyStatusCodes[1]",
            $"{code} is not a status code (100-599), a range \"200-299\" or a class \"5xx\"");

    [Fact]
    public void Load_Hosts_AreReadInLowerCase()
    {
        var config = ConfigLoader.Load(Config(api: """ "Hosts": ["API.Example.com", "*.Example.org", "10.0.0.1"],"""));

        Assert.Equal(["api.example.com", "*.example.org", "10.0.0.1"], Assert.Single(config.Services).Hosts);
    }

    [Fact]
    public void Load_LoneStringWhereListExpected_IsAOneItemList()
    {
        var config = ConfigLoader.Load(Config(
            edge: """{ "Listen": "http://0.0.0.0:8080" }""",
            api: "\"Hosts\": \"api.example.com\","));

        Assert.Equal([new Uri("http://0.0.0.0:8080")], config.Edge.Listen);
        Assert.Equal(["api.example.com"], Assert.Single(config.Services).Hosts);
    }

    [Fact]
    public void Load_NullValue_MeansTheDefault()
    {
        var config = ConfigLoader.Load(Config(edge: """{ "Listen": null, "DrainTimeout": null }""", api: "\"ConnectTimeout\": null,"));

        Assert.Equal([new Uri("http://127.0.0.1:8080")], config.Edge.Listen);
        Assert.Equal(TimeSpan.FromSeconds(30), config.Edge.DrainTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), Assert.Single(config.Services).ConnectTimeout);
    }

    [Fact]
    public void Load_DuplicateDestinationAfterAnInvalidOne_NamesItsIndexInTheFile()
    {
        var json = Config(regions: """[ { "Name": "us-east", "Destinations": ["htp://x", "http://10.0.0.1:9001", "http://10.0.0.1:9001"] } ]""");

        var errors = ErrorsOf(json);

        Assert.Equal(["Services.api.Regions[0].Destinations[0]", "Services.api.Regions[0].Destinations[2]"], errors.Select(e => e.Path));
    }

    [Fact]
    public void Load_BadRegionNameAfterANonObjectRegion_NamesItsIndexInTheFile()
    {
        var json = Config(regions: """[ "us-east", { "Name": "eu west", "Destinations": ["http://10.0.0.1:9001"] } ]""");

        var errors = ErrorsOf(json);

        Assert.Equal(["Services.api.Regions[0]", "Services.api.Regions[1].Name"], errors.Select(e => e.Path));
    }

    [Fact]
    public void Load_HttpsListenerAfterAnInvalidOne_NamesItsIndexInTheFile()
    {
        var json = Config(edge: """{ "Listen": ["htp://0.0.0.0:8080", "https://0.0.0.0:8443"] }""");

        var errors = ErrorsOf(json);

        Assert.Equal(["Edge.Listen[0]", "Edge.Listen[1]"], errors.Select(e => e.Path));
    }
}

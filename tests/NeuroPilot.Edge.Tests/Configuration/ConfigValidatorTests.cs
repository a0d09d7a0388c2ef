using NeuroPilot.Edge.Configuration;
using static NeuroPilot.Edge.Tests.Configuration.TestConfigs;

namespace NeuroPilot.Edge.Tests.Configuration;

/// <summary>
/// Rules that span several keys. Driven through <see cref="ConfigLoader.Load"/>, so each path and value is checked
/// as <c>neuropilot-edge check</c> prints it.
/// </summary>
public class ConfigValidatorTests
{
    [Fact]
    public void Validate_DesignMinimalConfig_HasNoErrors()
    {
        var errors = new List<ConfigError>();

        ConfigValidator.Validate(ConfigLoader.Load(DesignMinimal), errors);

        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("my api")]
    [InlineData("api/v1")]
    [InlineData("api:v1")]
    [InlineData("ápi")]
    [InlineData("")]
    [InlineData("a123456789b123456789c123456789d123456789e123456789f123456789g1234")]
    public void Validate_InvalidServiceName_NamesPathAndValue(string name) =>
        AssertSingleError(
            Config(api: "\"PathPrefix\": \"/api\",", services: $$"""  "{{name}}": { "Regions": [ { "Name": "eu-west", "Destinations": ["http://127.0.0.1:9002"] } ] },"""),
            $"Services.{name}",
            $"\"{name}\" is not a valid service name (letters, digits, '.', '_', '-')");

    [Theory]
    [InlineData("api")]
    [InlineData("API_v2.internal-1")]
    [InlineData("a123456789b123456789c123456789d123456789e123456789f123456789g123")]
    public void Validate_ValidServiceName_IsAccepted(string name)
    {
        var config = ConfigLoader.Load($$"""{ "Services": { "{{name}}": { "Regions": {{OneRegion}} } } }""");

        Assert.Equal(name, Assert.Single(config.Services).Name);
    }

    [Theory]
    [InlineData("us east")]
    [InlineData("us/east")]
    [InlineData("a123456789b123456789c123456789d123456789e123456789f123456789g1234")]
    public void Validate_InvalidRegionName_NamesPathAndValue(string name) =>
        AssertSingleError(
            Config(regions: $$"""[ { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001"] }, { "Name": "{{name}}", "Destinations": ["http://127.0.0.1:9002"] } ]"""),
            "Services.api.Regions[1].Name",
            $"\"{name}\" is not a valid region name (letters, digits, '.', '_', '-')");

    [Fact]
    public void Validate_EmptyRegionName_NamesPathAndValue() =>
        AssertSingleError(
            Config(regions: """[ { "Name": "", "Destinations": ["http://127.0.0.1:9001"] } ]"""),
            "Services.api.Regions[0].Name",
            "is empty: every region needs a name");

    [Fact]
    public void Validate_RegionWithoutName_SaysNameIsMissing() =>
        AssertSingleError(
            Config(regions: """[ { "Destinations": ["http://127.0.0.1:9001"] } ]"""),
            "Services.api.Regions[0].Name",
            "missing: every region needs a name");

    [Fact]
    public void Validate_TwoRegionsWithSameNameInAnyCase_NamesTheSecond() =>
        AssertSingleError(
            Config(regions: """
                [
                  { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001"] },
                  { "Name": "eu-west", "Destinations": ["http://127.0.0.1:9002"] },
                  { "Name": "US-EAST", "Destinations": ["http://127.0.0.1:9003"] },
                ]
                """),
            "Services.api.Regions[2].Name",
            "\"US-EAST\" is used by another region of this service");

    [Fact]
    public void Validate_SameRegionNameInTwoServices_IsAccepted()
    {
        var config = ConfigLoader.Load(Config(
            api: "\"PathPrefix\": \"/api\",",
            services: """  "web": { "Regions": [ { "Name": "us-east", "Destinations": ["http://127.0.0.1:9002"] } ] },"""));

        Assert.Equal(2, config.Services.Count);
    }

    [Fact]
    public void Validate_ServiceWithoutRegions_SaysRegionsAreMissing() =>
        AssertHasError("""{ "Services": { "api": { "PathPrefix": "/api" } } }""", "Services.api.Regions", "missing: a service needs at least one region");

    [Fact]
    public void Validate_EmptyRegions_SaysRegionsAreEmpty() =>
        AssertSingleError(Config(regions: "[]"), "Services.api.Regions", "is empty: a service needs at least one region");

    [Fact]
    public void Validate_EmptyDestinations_NamesTheRegion() =>
        AssertSingleError(
            Config(regions: """[ { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001"] }, { "Name": "eu-west", "Destinations": [] } ]"""),
            "Services.api.Regions[1].Destinations",
            "is empty: a region needs at least one destination");

    [Fact]
    public void Validate_RegionWithoutDestinations_SaysDestinationsAreMissing() =>
        AssertHasError(
            Config(regions: """[ { "Name": "us-east" } ]"""),
            "Services.api.Regions[0].Destinations",
            "missing: a region needs at least one destination");

    [Fact]
    public void Validate_DestinationListedTwiceInOneRegion_NamesTheSecond() =>
        AssertSingleError(
            Config(regions: """[ { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001", "http://127.0.0.1:9002", "http://127.0.0.1:9001"] } ]"""),
            "Services.api.Regions[0].Destinations[2]",
            "\"http://127.0.0.1:9001\" is listed twice in this service (also in Services.api.Regions[0])");

    [Fact]
    public void Validate_DestinationListedInTwoRegions_NamesTheSecondAndTheFirstRegion() =>
        AssertSingleError(
            Config(regions: """
                [
                  { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001"] },
                  { "Name": "eu-west", "Destinations": ["http://127.0.0.1:9002", "HTTP://127.0.0.1:9001/"] },
                ]
                """),
            "Services.api.Regions[1].Destinations[1]",
            "\"HTTP://127.0.0.1:9001/\" is listed twice in this service (also in Services.api.Regions[0])");

    [Fact]
    public void Validate_SameDestinationInTwoServices_IsAccepted()
    {
        var config = ConfigLoader.Load(Config(api: "\"PathPrefix\": \"/api\",", services: $$"""  "web": { "Regions": {{OneRegion}} },"""));

        Assert.Equal(2, config.Services.Count);
    }

    [Theory]
    [InlineData("api")]
    [InlineData("api/")]
    [InlineData("/api?version=2")]
    [InlineData("/api#top")]
    public void Validate_PathPrefixNotAPath_NamesPathAndValue(string prefix) =>
        AssertSingleError(Config(api: $"\"PathPrefix\": \"{prefix}\","), "Services.api.PathPrefix", $"\"{prefix}\" must be a path starting with '/'");

    [Fact]
    public void Validate_HealthCheckPathNotAPath_NamesPathAndValue() =>
        AssertSingleError(Config(api: """ "HealthCheck": { "Path": "healthz" },"""), "Services.api.HealthCheck.Path", "\"healthz\" must be a path starting with '/'");

    [Theory]
    [InlineData("//127.0.0.1:9002/healthz", "\"//127.0.0.1:9002/healthz\"")]
    [InlineData("http://127.0.0.1:9002/healthz", "\"http://127.0.0.1:9002/healthz\"")]
    [InlineData("/healthz#top", "\"/healthz#top\"")]
    [InlineData("/health z", "\"/health z\"")]
    [InlineData(@"/healthz\r\nX-Evil: 1", @"""/healthz\r\nX-Evil: 1""")]
    [InlineData(@"/\\evil.example/healthz", @"""/\evil.example/healthz""")]
    [InlineData("/sant\u00e9", "\"/sant\u00e9\"")]
    public void Validate_HealthCheckPathNotOriginForm_NamesPathAndValue(string jsonValue, string shown)
    {
        var error = AssertSingleError(Config(api: $$""" "HealthCheck": { "Path": "{{jsonValue}}" },"""), "Services.api.HealthCheck.Path", shown);

        Assert.DoesNotContain('\n', error.ToString());
        Assert.DoesNotContain('\r', error.ToString());
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/")]
    [InlineData("/health?full=1&name=%20x")]
    [InlineData("/a/b;v=1/c:d@e")]
    public void Validate_HealthCheckPathInOriginForm_IsAccepted(string path)
    {
        var config = ConfigLoader.Load(Config(api: $$""" "HealthCheck": { "Path": "{{path}}" },"""));

        Assert.Equal(path, Assert.Single(config.Services).HealthCheck.Path);
    }

    [Fact]
    public void Validate_HealthCheckTimeoutLongerThanInterval_NamesBothValues() =>
        AssertSingleError(
            Config(api: """ "HealthCheck": { "Interval": "2s", "Timeout": "5s" },"""),
            "Services.api.HealthCheck.Timeout",
            "\"00:00:05\" is longer than Interval \"00:00:02\"");

    [Fact]
    public void Validate_HealthCheckFastIntervalLongerThanInterval_NamesBothValues() =>
        AssertSingleError(
            Config(api: """ "HealthCheck": { "Interval": "5s", "FastInterval": "10s" },"""),
            "Services.api.HealthCheck.FastInterval",
            "\"00:00:10\" is longer than Interval \"00:00:05\"");

    [Fact]
    public void Validate_HealthCheckTimeoutEqualToInterval_IsAccepted()
    {
        var config = ConfigLoader.Load(Config(api: """ "HealthCheck": { "Interval": "2s", "FastInterval": "2s", "Timeout": "2s" },"""));

        Assert.Equal(TimeSpan.FromSeconds(2), Assert.Single(config.Services).HealthCheck.Timeout);
    }

    [Fact]
    public void Validate_MaxBreakDurationShorterThanBreakDuration_NamesBothValues() =>
        AssertSingleError(
            Config(api: """ "CircuitBreaker": { "BreakDuration": "30s", "MaxBreakDuration": "10s" },"""),
            "Services.api.CircuitBreaker.MaxBreakDuration",
            "\"00:00:10\" is shorter than BreakDuration \"00:00:30\"");

    [Fact]
    public void Validate_PerTryTimeoutLongerThanRequestTimeout_NamesBothValues() =>
        AssertSingleError(
            Config(api: """ "RequestTimeout": "5s", "Retry": { "PerTryTimeout": "10s" },"""),
            "Services.api.Retry.PerTryTimeout",
            "\"00:00:10\" is longer than RequestTimeout \"00:00:05\"");

    [Fact]
    public void Validate_RegionWithFewerDestinationsThanMinHealthy_NamesTheRegion() =>
        AssertSingleError(
            Config(
                api: "\"MinHealthyDestinations\": 2,",
                regions: """
                    [
                      { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001", "http://127.0.0.1:9002"] },
                      { "Name": "eu-west", "Destinations": ["http://127.0.0.1:9003"] },
                    ]
                    """),
            "Services.api.Regions[1].Destinations",
            "has 1 destinations, fewer than MinHealthyDestinations 2: the region could never be usable");

    [Fact]
    public void Validate_TwoServicesMatchingEverything_NamesTheSecondAndTheFirst() =>
        AssertHasError(
            Config(services: $$"""  "web": { "Regions": {{OneRegion}} },"""),
            "Services.web",
            "matches every request, like Services.api: give one of them Hosts or a PathPrefix");

    [Fact]
    public void Validate_ThreeServicesMatchingEverything_NamesEachLaterOne()
    {
        var errors = ErrorsOf(Config(services: $$"""  "web": { "Regions": {{OneRegion}} }, "www": { "Regions": {{OneRegion}} },"""));

        Assert.Contains(errors, e => e.Path == "Services.web" && e.Message.StartsWith("matches every request, like Services.api", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "Services.www" && e.Message.StartsWith("matches every request, like Services.api", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_TwoServicesMatchingEverything_ReportsOneErrorOnly() =>
        AssertSingleError(Config(services: $$"""  "web": { "Regions": {{OneRegion}} },"""), "Services.web", "matches every request");

    [Fact]
    public void Validate_TwoServicesWithSameHostAndPrefix_NamesTheSecondAndTheFirst() =>
        AssertSingleError(
            Config(
                api: """ "Hosts": ["api.example.com"], "PathPrefix": "/v1",""",
                services: $$"""  "web": { "Hosts": ["www.example.com", "API.example.com"], "PathPrefix": "/v1", "Regions": {{OneRegion}} },"""),
            "Services.web",
            "host \"api.example.com\" with PathPrefix \"/v1\" is already matched by Services.api");

    [Fact]
    public void Validate_TwoServicesWithSamePrefixAndNoHosts_NamesTheSecondAndTheFirst() =>
        AssertSingleError(
            Config(api: "\"PathPrefix\": \"/v1\",", services: $$"""  "web": { "PathPrefix": "/v1", "Regions": {{OneRegion}} },"""),
            "Services.web",
            "any host with PathPrefix \"/v1\" is already matched by Services.api");

    [Fact]
    public void Validate_SameHostWithDifferentPrefixes_IsAccepted()
    {
        var config = ConfigLoader.Load(Config(
            api: """ "Hosts": ["example.com"], "PathPrefix": "/api",""",
            services: $$"""  "web": { "Hosts": ["example.com"], "Regions": {{OneRegion}} },"""));

        Assert.Equal(2, config.Services.Count);
    }

    [Theory]
    [InlineData("/v1", "/v1/")]
    [InlineData(null, "/")]
    public void Validate_PrefixesThatMatchTheSameRequests_AreReportedAsDuplicates(string? first, string second)
    {
        var firstPrefix = first is null ? "" : $"\"PathPrefix\": \"{first}\",";

        var errors = ErrorsOf(Config(api: firstPrefix, services: $$"""  "web": { "PathPrefix": "{{second}}", "Regions": {{OneRegion}} },"""));

        Assert.Equal("Services.web", Assert.Single(errors).Path);
    }

    [Fact]
    public void Validate_AdminListenSharesAProxyPort_NamesAdminListen() =>
        AssertSingleError(
            Config(edge: """{ "Listen": ["http://0.0.0.0:8080", "http://0.0.0.0:8081"], "Admin": { "Listen": "http://127.0.0.1:8081" } }"""),
            "Edge.Admin.Listen",
            "\"http://127.0.0.1:8081\" uses the same port as a proxy listener");

    [Fact]
    public void Validate_ProxyListensOnDefaultAdminPort_NamesAdminListen() =>
        AssertSingleError(
            Config(edge: """{ "Listen": "http://127.0.0.1:9901" }"""),
            "Edge.Admin.Listen",
            "\"http://127.0.0.1:9901\" uses the same port as a proxy listener");

    public static TheoryData<string, string, string> BadListeners => new()
    {
        { """{ "Listen": ["http://0.0.0.0:8080", "https://0.0.0.0:8443"] }""", "Edge.Listen[1]", "\"https://0.0.0.0:8443\" needs a certificate: add Edge.Tls.Certificates" },
        { """{ "Admin": { "Listen": "https://127.0.0.1:9901" } }""", "Edge.Admin.Listen", "\"https://127.0.0.1:9901\" is not an http:// URL" },
        { """{ "Listen": "http://0.0.0.0:8080/edge" }""", "Edge.Listen[0]", "\"http://0.0.0.0:8080/edge\" must be http://HOST:PORT with no path" },
        { """{ "Admin": { "Listen": "http://127.0.0.1:9901/admin" } }""", "Edge.Admin.Listen", "\"http://127.0.0.1:9901/admin\" must be http://HOST:PORT with no path" },
        { """{ "Listen": "http://edge.example.com:8080" }""", "Edge.Listen[0]", "\"http://edge.example.com:8080\": listen on an IP address (0.0.0.0, 127.0.0.1, [::]) or localhost" },
        { """{ "Admin": { "Listen": "http://admin.internal:9901" } }""", "Edge.Admin.Listen", "\"http://admin.internal:9901\": listen on an IP address" },
        { """{ "Listen": ["http://0.0.0.0:8080", "ftp://0.0.0.0:8081"] }""", "Edge.Listen[1]", "\"ftp://0.0.0.0:8081\" is not an absolute http or https URL" },
        { """{ "Admin": { "Listen": "127.0.0.1:9901" } }""", "Edge.Admin.Listen", "\"127.0.0.1:9901\" is not an absolute http or https URL" },
    };

    [Theory]
    [MemberData(nameof(BadListeners))]
    public void Validate_BadListener_NamesPathAndValue(string edge, string path, string message) =>
        AssertSingleError(Config(edge: edge), path, message);

    [Theory]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://127.0.0.1:8080/")]
    [InlineData("http://[::]:8080")]
    [InlineData("http://[::1]:8080")]
    [InlineData("http://localhost:8080")]
    public void Validate_ListenerOnAddressOrLocalhost_IsAccepted(string url)
    {
        var config = ConfigLoader.Load(Config(edge: $$"""{ "Listen": "{{url}}" }"""));

        Assert.Equal(new Uri(url), Assert.Single(config.Edge.Listen));
    }

    [Theory]
    [InlineData("http://*:8080")]
    [InlineData("http://+:8080")]
    public void Validate_ListenerOnAnyHostWildcard_IsAccepted(string url)
    {
        var config = ConfigLoader.Load(Config(edge: $$"""{ "Listen": "{{url}}" }"""));

        Assert.Single(config.Edge.Listen);
    }

    [Fact]
    public void Validate_EmptyListen_SaysGiveAUrl() =>
        AssertSingleError(Config(edge: """{ "Listen": [] }"""), "Edge.Listen", "is empty: give at least one URL");

    [Fact]
    public void Validate_AccessLogEnabledWithEmptyPath_NamesPath() =>
        AssertSingleError(Config(edge: """{ "AccessLog": { "Enabled": true, "Path": " " } }"""), "Edge.AccessLog.Path", "is empty: give a file path or \"-\" for standard output");

    [Fact]
    public void Validate_SeveralIndependentMistakes_ReportsEveryOne()
    {
        var json = """
            {
              "Edge": { "Listen": "https://0.0.0.0:8443", "Logging": { "Format": "xml" } },
              "Services": {
                "api": {
                  "ConectTimeout": "1s",
                  "Regions": [
                    { "Name": "us-east", "Destinations": ["htp://x", "http://10.0.0.1:9001"] },
                    { "Name": "eu west", "Destinations": ["http://10.0.0.2:9001"] },
                  ],
                  "HealthCheck": { "Interval": "10s", "Timeout": "20s" },
                },
                "web": { "PathPrefix": "web", "Regions": [ { "Name": "us-east", "Destinations": ["http://10.0.0.3:9001"] } ] },
              },
            }
            """;

        var errors = ErrorsOf(json);

        Assert.Equal(
            [
                "Edge.Listen[0]",
                "Edge.Logging.Format",
                "Services.api.ConectTimeout",
                "Services.api.HealthCheck.Timeout",
                "Services.api.Regions[0].Destinations[0]",
                "Services.api.Regions[1].Name",
                "Services.web.PathPrefix",
            ],
            errors.Select(e => e.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Validate_SeveralMistakes_ExceptionMessageHasOneLinePerError()
    {
        var exception = Assert.Throws<ConfigException>(() => ConfigLoader.Load(Config(
            edge: """{ "Logging": { "Format": "xml" } }""",
            api: "\"PathPrefix\": \"api\",")));

        Assert.Equal(
            [
                "Edge.Logging.Format: \"xml\" is not one of: text, json",
                "Services.api.PathPrefix: \"api\" must be a path starting with '/'",
            ],
            exception.Message.Split(Environment.NewLine).Order(StringComparer.Ordinal));
    }
}

using Microsoft.AspNetCore.Http;
using NeuroPilot.Edge.Routing;
using static NeuroPilot.Edge.Tests.Routing.TestRoutes;

namespace NeuroPilot.Edge.Tests.Routing;

public class RoutingTableTests
{
    private const string Regions = """[ { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001"] } ]""";

    /// <summary>Services declared from the least to the most specific host, so file order cannot be what decides.</summary>
    private static readonly RoutingTable ByHost = Table($$"""
        {
          "Services": {
            "fallback": { "Regions": {{Regions}} },
            "wild": { "Hosts": ["*.example.com"], "Regions": {{Regions}} },
            "exact": { "Hosts": ["api.example.com"], "Regions": {{Regions}} },
          }
        }
        """);

    /// <summary>Services declared from the shortest to the longest prefix.</summary>
    private static readonly RoutingTable ByPrefix = Table($$"""
        {
          "Services": {
            "root": { "Regions": {{Regions}} },
            "api": { "PathPrefix": "/api", "Regions": {{Regions}} },
            "v2": { "PathPrefix": "/api/v2", "Regions": {{Regions}} },
          }
        }
        """);

    [Theory]
    [InlineData("example.com", "/")]
    [InlineData("anything.test", "/deep/path?q=1")]
    [InlineData("", "")]
    public void Match_SingleCatchAllService_TakesEveryRequest(string host, string path)
    {
        var table = Table($$"""{ "Services": { "api": { "Regions": {{Regions}} } } }""");

        Assert.Same(table.Services[0], table.Match(Request(host, path)));
    }

    [Theory]
    [InlineData("api.example.com", "exact")]
    [InlineData("www.example.com", "wild")]
    [InlineData("a.b.example.com", "wild")]
    [InlineData("example.com", "fallback")]
    [InlineData("api.example.com.evil.org", "fallback")]
    [InlineData("notexample.com", "fallback")]
    [InlineData("other.org", "fallback")]
    public void Match_ExactHostBeatsWildcardBeatsAnyHost(string host, string service) =>
        Assert.Equal(service, ByHost.Match(host, "/")?.Name);

    [Theory]
    [InlineData("API.EXAMPLE.COM", "exact")]
    [InlineData("Api.Example.Com", "exact")]
    [InlineData("WWW.Example.COM", "wild")]
    public void Match_HostInAnyCase_MatchesLowerCaseConfig(string host, string service) =>
        Assert.Equal(service, ByHost.Match(host, "/")?.Name);

    [Fact]
    public void Match_HostWrittenInUpperCaseInConfig_MatchesRequestInLowerCase()
    {
        var table = Table($$"""{ "Services": { "api": { "Hosts": ["API.Example.COM"], "Regions": {{Regions}} } } }""");

        Assert.Equal("api", table.Match("api.example.com", "/")?.Name);
    }

    [Theory]
    [InlineData("/api/v2/users", "v2")]
    [InlineData("/api/v2", "v2")]
    [InlineData("/api/v2/", "v2")]
    [InlineData("/api/v1/users", "api")]
    [InlineData("/api/v2x", "api")]
    [InlineData("/api", "api")]
    [InlineData("/apix", "root")]
    [InlineData("/", "root")]
    [InlineData("/other", "root")]
    public void Match_LongestPathPrefixWins(string path, string service) =>
        Assert.Equal(service, ByPrefix.Match("example.com", path)?.Name);

    [Theory]
    [InlineData("/api", true)]
    [InlineData("/api/", true)]
    [InlineData("/api/x", true)]
    [InlineData("/apix", false)]
    [InlineData("/ap", false)]
    [InlineData("/", false)]
    [InlineData("/x/api", false)]
    public void Match_PrefixMatchesOnSegmentBoundaries(string path, bool matches)
    {
        var table = Table($$"""{ "Services": { "api": { "PathPrefix": "/api", "Regions": {{Regions}} } } }""");

        Assert.Equal(matches, table.Match(Request("example.com", path)) is not null);
    }

    [Theory]
    [InlineData("/api")]
    [InlineData("/api/x")]
    public void Match_PrefixWrittenWithTrailingSlash_MatchesThePathWithout(string path)
    {
        var table = Table($$"""{ "Services": { "api": { "PathPrefix": "/api/", "Regions": {{Regions}} } } }""");

        Assert.Equal("api", table.Match("example.com", path)?.Name);
    }

    [Fact]
    public void Match_HostIsCheckedBeforePrefix()
    {
        var table = Table($$"""
            {
              "Services": {
                "long": { "PathPrefix": "/api/v2/internal", "Regions": {{Regions}} },
                "hosted": { "Hosts": ["api.example.com"], "Regions": {{Regions}} },
              }
            }
            """);

        Assert.Equal("hosted", table.Match("api.example.com", "/api/v2/internal")?.Name);
        Assert.Equal("long", table.Match("www.example.com", "/api/v2/internal")?.Name);
    }

    [Fact]
    public void Match_HostAndPrefixBothRequired()
    {
        var table = Table($$"""
            {
              "Services": {
                "api": { "Hosts": ["api.example.com"], "PathPrefix": "/v1", "Regions": {{Regions}} },
                "web": { "Hosts": ["www.example.com"], "Regions": {{Regions}} },
              }
            }
            """);

        Assert.Equal("api", table.Match("api.example.com", "/v1/users")?.Name);
        Assert.Null(table.Match("api.example.com", "/v2/users"));
    }

    [Theory]
    [InlineData("other.org", "/")]
    [InlineData("example.com", "/")]
    public void Match_NothingMatches_ReturnsNull(string host, string path)
    {
        var table = Table($$"""
            {
              "Services": {
                "api": { "Hosts": ["api.example.com"], "Regions": {{Regions}} },
                "wild": { "Hosts": ["*.example.com"], "Regions": {{Regions}} },
              }
            }
            """);

        Assert.Null(table.Match(Request(host, path)));
    }

    [Fact]
    public void Match_NestedWildcards_LongestSuffixWins()
    {
        var table = Table($$"""
            {
              "Services": {
                "all": { "Hosts": ["*.example.com"], "Regions": {{Regions}} },
                "eu": { "Hosts": ["*.eu.example.com"], "Regions": {{Regions}} },
              }
            }
            """);

        Assert.Equal("eu", table.Match("api.eu.example.com", "/")?.Name);
    }

    [Fact]
    public void Find_ServiceNameInAnyCase_ReturnsIt()
    {
        Assert.Equal("wild", ByHost.Find("WILD")?.Name);
        Assert.Null(ByHost.Find("missing"));
    }

    private static HttpRequest Request(string host, string path)
    {
        var context = new DefaultHttpContext();
        context.Request.Host = new HostString(host);
        context.Request.Path = new PathString(path.Split('?')[0]);
        return context.Request;
    }

    [Theory]
    [InlineData("api.example.com:8080", "api.example.com")]
    [InlineData("api.example.com", "api.example.com")]
    [InlineData("[::1]:8080", "[::1]")]
    [InlineData("[::1]", "[::1]")]
    [InlineData("", "")]
    public void HostWithoutPort_DropsOnlyThePort(string header, string expected) =>
        Assert.Equal(expected, RoutingTable.HostWithoutPort(header).ToString());
}

using NeuroPilot.Edge.Admin.Internal;

namespace NeuroPilot.Edge.Tests.Admin.Internal;

public class AdminRouteTableTests
{
    private static readonly AdminRouteTable Table = new(
    [
        AdminRoute.Get("/admin/status", (_, _) => Task.CompletedTask),
        AdminRoute.Write("/admin/services/{service}/regions/{region}/drain", (_, _) => Task.CompletedTask),
        AdminRoute.Write("/admin/services/{service}/regions/{region}/undrain", (_, _) => Task.CompletedTask),
    ]);

    [Theory]
    [InlineData("/admin/services/api/regions/us-east/drain", "api", "us-east", "drain")]
    [InlineData("/admin/services/api/regions/us-east/undrain", "api", "us-east", "undrain")]
    [InlineData("/admin/services/API_v2.internal/regions/EU-WEST/drain", "API_v2.internal", "EU-WEST", "drain")]
    public void Match_DrainOrUndrainPath_GivesServiceRegionAndRoute(string path, string service, string region, string action)
    {
        var match = Table.Match("POST", path);

        Assert.NotNull(match.Route);
        Assert.EndsWith("/" + action, match.Route.Template, StringComparison.Ordinal);
        Assert.Equal(service, match.Values!["service"]);
        Assert.Equal(region, match.Values["region"]);
    }

    [Theory]
    [InlineData("/admin/services/my%20api/regions/us%2Deast/drain", "my api", "us-east")]
    [InlineData("/admin/services/api%2Fv1/regions/eu%2Ewest/undrain", "api/v1", "eu.west")]
    public void Match_EscapedNames_AreUnescaped(string path, string service, string region)
    {
        var match = Table.Match("POST", path);

        Assert.Equal(service, match.Values!["service"]);
        Assert.Equal(region, match.Values["region"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("/admin/services/api/regions/us-east")]
    [InlineData("/admin/services/api/regions/us-east/drain/")]
    [InlineData("/admin/services/api/regions/us-east/drain/now")]
    [InlineData("/admin/services/api/regions/us-east/pause")]
    [InlineData("/admin/services/api/regions/us-east/Drain")]
    [InlineData("/admin/services//regions/us-east/drain")]
    [InlineData("/admin/services/api/regions//drain")]
    [InlineData("/admin/service/api/regions/us-east/drain")]
    [InlineData("/admin/services/api/region/us-east/drain")]
    [InlineData("/status/services/api/regions/us-east/drain")]
    [InlineData("admin/services/api/regions/us-east/drain")]
    [InlineData("//admin/services/api/regions/us-east/drain")]
    [InlineData("/admin/services/api/regions/us-east/drain?now=1")]
    [InlineData("/admin/status/")]
    [InlineData("/ADMIN/status")]
    public void Match_OtherShape_IsNotFound(string path)
    {
        var match = Table.Match("POST", path);

        Assert.Equal(new AdminRouteMatch(null, null, null), match);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    public void Match_GetRoute_AnswersGetAndHead(string method) =>
        Assert.Equal("/admin/status", Table.Match(method, "/admin/status").Route?.Template);

    [Theory]
    [InlineData("POST", "/admin/status", "GET, HEAD")]
    [InlineData("PUT", "/admin/status", "GET, HEAD")]
    [InlineData("GET", "/admin/services/api/regions/us-east/drain", "POST")]
    [InlineData("HEAD", "/admin/services/api/regions/us-east/undrain", "POST")]
    public void Match_KnownPathOtherMethod_GivesTheAllowList(string method, string path, string allow)
    {
        var match = Table.Match(method, path);

        Assert.Null(match.Route);
        Assert.Equal(allow, match.Allow);
    }

    [Fact]
    public void Match_WriteRoutes_AreMarkedAsNeedingTheToken()
    {
        Assert.False(Table.Match("GET", "/admin/status").Route!.IsWrite);
        Assert.True(Table.Match("POST", "/admin/services/api/regions/us-east/drain").Route!.IsWrite);
    }
}

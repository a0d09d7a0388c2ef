using NeuroPilot.Edge.Admin;

namespace NeuroPilot.Edge.Tests.Admin;

public class AdminEndpointsTests
{
    [Theory]
    [InlineData("/admin/services/api/regions/us-east/drain", "api", "us-east", true)]
    [InlineData("/admin/services/api/regions/us-east/undrain", "api", "us-east", false)]
    [InlineData("/admin/services/API_v2.internal/regions/EU-WEST/drain", "API_v2.internal", "EU-WEST", true)]
    public void TryParseRegionAction_DrainOrUndrainPath_GivesServiceRegionAndAction(string path, string service, string region, bool drain)
    {
        Assert.True(AdminEndpoints.TryParseRegionAction(path, out var parsedService, out var parsedRegion, out var parsedDrain));

        Assert.Equal(service, parsedService);
        Assert.Equal(region, parsedRegion);
        Assert.Equal(drain, parsedDrain);
    }

    [Theory]
    [InlineData("/admin/services/my%20api/regions/us%2Deast/drain", "my api", "us-east")]
    [InlineData("/admin/services/api%2Fv1/regions/eu%2Ewest/undrain", "api/v1", "eu.west")]
    public void TryParseRegionAction_EscapedNames_AreUnescaped(string path, string service, string region)
    {
        Assert.True(AdminEndpoints.TryParseRegionAction(path, out var parsedService, out var parsedRegion, out _));

        Assert.Equal(service, parsedService);
        Assert.Equal(region, parsedRegion);
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
    public void TryParseRegionAction_OtherShape_IsRejected(string path) =>
        Assert.False(AdminEndpoints.TryParseRegionAction(path, out _, out _, out _));
}

using Microsoft.Extensions.Primitives;
using NeuroPilot.Edge.Admin;

namespace NeuroPilot.Edge.Tests.Admin;

public class AdminTokenTests
{
    private const string Secret = "s3cret-token";

    [Theory]
    [InlineData(null, "Bearer s3cret-token")]
    [InlineData("", "Bearer s3cret-token")]
    [InlineData(null, "")]
    public void Check_NoTokenConfigured_IsDisabled(string? token, string header)
    {
        var admin = new AdminToken(token);

        Assert.False(admin.Enabled);
        Assert.Equal(AdminToken.Result.Disabled, admin.Check(header));
    }

    [Theory]
    [InlineData("Bearer s3cret-token")]
    [InlineData("bearer s3cret-token")]
    [InlineData("BEARER s3cret-token")]
    [InlineData("Bearer  s3cret-token ")]
    public void Check_BearerWithTheRightToken_IsAllowed(string header)
    {
        var admin = new AdminToken(Secret);

        Assert.True(admin.Enabled);
        Assert.Equal(AdminToken.Result.Allowed, admin.Check(header));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Bearer wrong")]
    [InlineData("Bearer s3cret-toke")]
    [InlineData("Bearer s3cret-tokenX")]
    [InlineData("Bearer S3CRET-TOKEN")]
    [InlineData("Bearers3cret-token")]
    [InlineData("s3cret-token")]
    [InlineData("Basic s3cret-token")]
    [InlineData("Token s3cret-token")]
    public void Check_WrongTokenOrOtherScheme_IsDenied(string header) =>
        Assert.Equal(AdminToken.Result.Denied, new AdminToken(Secret).Check(header));

    [Fact]
    public void Check_NoAuthorizationHeader_IsDenied() =>
        Assert.Equal(AdminToken.Result.Denied, new AdminToken(Secret).Check(StringValues.Empty));

    [Fact]
    public void Check_TwoAuthorizationHeaders_IsDenied() =>
        Assert.Equal(AdminToken.Result.Denied, new AdminToken(Secret).Check(new StringValues(["Bearer s3cret-token", "Bearer other"])));
}

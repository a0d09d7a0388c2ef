using Microsoft.AspNetCore.Http;
using NeuroPilot.Edge.Authentication;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Telemetry;
using static NeuroPilot.Edge.Tests.Authentication.TestTokens;

namespace NeuroPilot.Edge.Tests.Authentication;

/// <summary>The request-path check: the 401 and its challenge, the metric, anonymous paths, forwarded claim headers.</summary>
public sealed class JwtAuthenticatorTests
{
    private static readonly TestSigningKey Ec = TestSigningKey.Es256Key("ec-1");

    private readonly EdgeMetrics _metrics = new(Prometheus.Metrics.NewCustomRegistry());

    private JwtAuthenticator Authenticator(JwtOptions? options = null)
    {
        options ??= Options();
        return new JwtAuthenticator("api", options, new JwtValidator(options, KeySet(Ec), Clock()), _metrics);
    }

    private static DefaultHttpContext Request(string path = "/orders", string? authorization = null, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = path;
        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }

        foreach (var (name, value) in headers)
        {
            context.Request.Headers.Append(name, value);
        }

        return context;
    }

    private double Rejected(string reason) => _metrics.AuthRejected.WithLabels("api", reason).Value;

    [Fact]
    public void Authenticate_ValidToken_LetsTheRequestThrough()
    {
        var context = Request(authorization: $"Bearer {Create(Ec)}");

        Assert.True(Authenticator().Authenticate(context));
        Assert.Equal(200, context.Response.StatusCode);
        Assert.False(context.Response.Headers.ContainsKey("WWW-Authenticate"));
    }

    [Theory]
    [InlineData("bearer")]
    [InlineData("BEARER")]
    [InlineData("Bearer  ")]
    public void Authenticate_SchemeInAnyCaseOrExtraSpaces_LetsTheRequestThrough(string scheme) =>
        Assert.True(Authenticator().Authenticate(Request(authorization: $"{scheme} {Create(Ec)}")));

    [Fact]
    public void Authenticate_NoAuthorizationHeader_Answers401WithABareBearerChallenge()
    {
        var context = Request();

        Assert.False(Authenticator().Authenticate(context));
        Assert.Equal(401, context.Response.StatusCode);
        Assert.Equal("Bearer", context.Response.Headers.WWWAuthenticate.ToString());
        Assert.Equal(1, Rejected("missing"));
    }

    [Theory]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearertoken")]
    [InlineData("")]
    public void Authenticate_AnotherScheme_CountsAsMissing(string authorization)
    {
        var context = Request(authorization: authorization);

        Assert.False(Authenticator().Authenticate(context));
        Assert.Equal("Bearer", context.Response.Headers.WWWAuthenticate.ToString());
        Assert.Equal(1, Rejected("missing"));
    }

    [Fact]
    public void Authenticate_ExpiredToken_Answers401WithInvalidTokenAndAShortReason()
    {
        var context = Request(authorization: $"Bearer {Create(Ec, ValidClaims(NowSeconds - 3600))}");

        Assert.False(Authenticator().Authenticate(context));
        Assert.Equal(401, context.Response.StatusCode);
        Assert.Equal("Bearer error=\"invalid_token\", error_description=\"token expired\"", context.Response.Headers.WWWAuthenticate.ToString());
        Assert.Equal(1, Rejected("expired"));
        Assert.Equal(0, Rejected("signature"));
    }

    [Fact]
    public void Authenticate_EmptyBearerToken_FailsMalformed()
    {
        var context = Request(authorization: "Bearer ");

        Assert.False(Authenticator().Authenticate(context));
        Assert.Contains("malformed token", context.Response.Headers.WWWAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, Rejected("malformed"));
    }

    [Fact]
    public void Authenticate_TwoAuthorizationHeaders_FailsMalformed()
    {
        var context = Request();
        context.Request.Headers.Authorization = new Microsoft.Extensions.Primitives.StringValues([$"Bearer {Create(Ec)}", "Bearer x.y.z"]);

        Assert.False(Authenticator().Authenticate(context));
        Assert.Equal(1, Rejected("malformed"));
    }

    [Theory]
    [InlineData("/public")]
    [InlineData("/public/")]
    [InlineData("/public/logo.png")]
    [InlineData("/.well-known/openid-configuration")]
    public void Authenticate_AnonymousPath_PassesWithoutToken(string path) =>
        Assert.True(Authenticator(Options(anonymous: ["/public", "/.well-known"])).Authenticate(Request(path)));

    [Theory]
    [InlineData("/publicity")]
    [InlineData("/PUBLIC/logo.png")]
    [InlineData("/api/public")]
    [InlineData("/public/..;/admin")]
    [InlineData("/public%2F..%2Fadmin")]
    [InlineData("/public/%2e%2e/admin")]
    [InlineData("/public\\..\\admin")]
    [InlineData("/public/../admin")]
    [InlineData("/public/./x")]
    public void Authenticate_PathOutsideOrAmbiguous_NeedsAToken(string path)
    {
        var context = Request(path);

        Assert.False(Authenticator(Options(anonymous: ["/public"])).Authenticate(context));
        Assert.Equal(401, context.Response.StatusCode);
    }

    [Fact]
    public void Authenticate_AnonymousPathWithAnInvalidToken_StillPasses() =>
        Assert.True(Authenticator(Options(anonymous: ["/public"])).Authenticate(Request("/public/x", "Bearer garbage")));

    [Fact]
    public void Authenticate_ValidToken_SetsForwardedClaimsOverWhatTheClientSent()
    {
        var options = Options(forward: [("sub", "X-User-Id"), ("tenant", "X-Tenant")]);
        var context = Request("/orders", $"Bearer {Create(Ec, ValidClaims(extra: "\"tenant\":\"acme\""))}", ("X-User-Id", "admin"), ("x-tenant", "evil"));

        Assert.True(Authenticator(options).Authenticate(context));
        Assert.Equal("user-42", context.Request.Headers["X-User-Id"].ToString());
        Assert.Equal("acme", context.Request.Headers["X-Tenant"].ToString());
    }

    [Fact]
    public void Authenticate_TokenWithoutTheClaim_RemovesTheClientsCopyOfItsHeader()
    {
        var options = Options(forward: [("tenant", "X-Tenant")]);
        var context = Request("/orders", $"Bearer {Create(Ec)}", ("X-Tenant", "evil"));

        Assert.True(Authenticator(options).Authenticate(context));
        Assert.False(context.Request.Headers.ContainsKey("X-Tenant"));
    }

    [Fact]
    public void Authenticate_AnonymousPath_RemovesTheClientsCopyOfClaimHeaders()
    {
        var options = Options(forward: [("sub", "X-User-Id")], anonymous: ["/public"]);
        var context = Request("/public/x", null, ("X-User-Id", "admin"));

        Assert.True(Authenticator(options).Authenticate(context));
        Assert.False(context.Request.Headers.ContainsKey("X-User-Id"));
    }

    [Fact]
    public void Authenticate_TokenNotRequiredAndAbsent_PassesWithoutClaims()
    {
        var options = Options(forward: [("sub", "X-User-Id")], required: false);
        var context = Request("/orders", null, ("X-User-Id", "admin"));

        Assert.True(Authenticator(options).Authenticate(context));
        Assert.False(context.Request.Headers.ContainsKey("X-User-Id"));
    }

    [Fact]
    public void Authenticate_TokenNotRequiredButInvalid_Answers401()
    {
        var context = Request(authorization: $"Bearer {Create(TestSigningKey.Es256Key("ec-1"))}");

        Assert.False(Authenticator(Options(required: false)).Authenticate(context));
        Assert.Equal(1, Rejected("signature"));
    }

    [Fact]
    public void Authenticate_EveryReason_IsExportedFromTheStart()
    {
        Authenticator();

        foreach (var failure in Enum.GetValues<JwtFailure>().Where(f => f != JwtFailure.None))
        {
            Assert.Contains(_metrics.AuthRejected.GetAllLabelValues(), labels => labels.SequenceEqual(["api", failure.Label()]));
        }
    }
}

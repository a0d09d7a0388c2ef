namespace NeuroPilot.Edge.Configuration;

/// <summary>
/// JWT validation at the edge for one service (<c>Services.NAME.Jwt</c>): bearer tokens signed by a key of
/// <see cref="KeysFile"/>, from <see cref="Issuer"/>, for one of <see cref="Audiences"/>.
/// </summary>
public sealed class JwtOptions
{
    /// <summary>The exact <c>iss</c> a token must carry.</summary>
    public required string Issuer { get; init; }

    /// <summary>A token's <c>aud</c> (a string or an array) must hold at least one of these.</summary>
    public required IReadOnlyList<string> Audiences { get; init; }

    /// <summary>The JWKS file (full path), read at start, on config reload and when it changes.</summary>
    public required string KeysFile { get; init; }

    /// <summary>The algorithms accepted; a token's <c>alg</c> must be one of them and match its key's type.</summary>
    public IReadOnlyList<JwtAlgorithm> Algorithms { get; init; } = JwtDefaults.Algorithms;

    /// <summary>Path prefixes (on segment boundaries, case-sensitive, without trailing '/') that need no token.</summary>
    public IReadOnlyList<string> AnonymousPaths { get; init; } = [];

    /// <summary>Tolerance applied to <c>exp</c> and <c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; init; } = JwtDefaults.ClockSkew;

    /// <summary>
    /// Claims sent upstream as request headers, in config order: (claim name, header name). Client-sent headers of
    /// these names are always removed, so a client cannot forge them.
    /// </summary>
    public IReadOnlyList<(string Claim, string Header)> ForwardClaims { get; init; } = [];

    /// <summary>When false, a request without a token passes (without claims); a token that is present must still be valid.</summary>
    public bool Required { get; init; } = true;
}

namespace NeuroPilot.Edge.Authentication;

/// <summary>
/// The words of a <see cref="JwtFailure"/>: its metric label, and the <c>WWW-Authenticate</c> challenge sent with the
/// 401 (RFC 6750 section 3: no error code when the request had no token; a short reason that helps a client's
/// developer and no attacker, never a value from the token).
/// </summary>
public static class JwtFailureLabels
{
    private static readonly string[] Challenges = BuildChallenges();

    public static string Label(this JwtFailure failure) => failure switch
    {
        JwtFailure.Missing => "missing",
        JwtFailure.Malformed => "malformed",
        JwtFailure.TooLarge => "too_large",
        JwtFailure.Algorithm => "algorithm",
        JwtFailure.UnknownKey => "unknown_key",
        JwtFailure.Signature => "signature",
        JwtFailure.Expired => "expired",
        JwtFailure.NotYetValid => "not_yet_valid",
        JwtFailure.NoExpiry => "no_expiry",
        JwtFailure.Issuer => "issuer",
        JwtFailure.Audience => "audience",
        _ => "none",
    };

    public static string Description(this JwtFailure failure) => failure switch
    {
        JwtFailure.Missing => "no bearer token",
        JwtFailure.Malformed => "malformed token",
        JwtFailure.TooLarge => "token too large",
        JwtFailure.Algorithm => "algorithm not accepted",
        JwtFailure.UnknownKey => "unknown signing key",
        JwtFailure.Signature => "invalid signature",
        JwtFailure.Expired => "token expired",
        JwtFailure.NotYetValid => "token not yet valid",
        JwtFailure.NoExpiry => "token has no expiry",
        JwtFailure.Issuer => "issuer not accepted",
        JwtFailure.Audience => "audience not accepted",
        _ => "",
    };

    /// <summary>The <c>WWW-Authenticate</c> value for a 401 (one string per failure, built once).</summary>
    public static string Challenge(this JwtFailure failure) => Challenges[(int)failure];

    private static string[] BuildChallenges()
    {
        var failures = Enum.GetValues<JwtFailure>();
        var challenges = new string[failures.Length];
        foreach (var failure in failures)
        {
            challenges[(int)failure] = failure is JwtFailure.None or JwtFailure.Missing
                ? "Bearer"
                : $"Bearer error=\"invalid_token\", error_description=\"{failure.Description()}\"";
        }

        return challenges;
    }
}

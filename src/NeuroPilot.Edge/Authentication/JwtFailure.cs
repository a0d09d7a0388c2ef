namespace NeuroPilot.Edge.Authentication;

/// <summary>
/// Why a request's token was refused (<see cref="None"/>: it was not). A closed set: the <c>reason</c> label of
/// <c>neuropilot_edge_auth_rejected_total</c> (<see cref="JwtFailureLabels.Label"/>).
/// </summary>
public enum JwtFailure
{
    None,

    /// <summary>No <c>Authorization: Bearer</c> header.</summary>
    Missing,

    /// <summary>Not a compact JWS of three strict base64url parts with JSON objects, or a critical header we do not know.</summary>
    Malformed,

    /// <summary>Longer than <see cref="Configuration.JwtDefaults.MaxTokenLength"/>: refused unread.</summary>
    TooLarge,

    /// <summary><c>alg</c> unknown (<c>none</c>, <c>HS256</c>...), not configured, or not the algorithm of the key named by <c>kid</c>.</summary>
    Algorithm,

    /// <summary><c>kid</c> names no key of the set, or the set has no key for the algorithm.</summary>
    UnknownKey,

    /// <summary>The signature does not verify.</summary>
    Signature,

    /// <summary><c>exp</c> has passed (beyond the clock skew).</summary>
    Expired,

    /// <summary><c>nbf</c> is still ahead (beyond the clock skew).</summary>
    NotYetValid,

    /// <summary>No <c>exp</c>: a token that never expires is refused.</summary>
    NoExpiry,

    /// <summary><c>iss</c> missing or not the configured issuer.</summary>
    Issuer,

    /// <summary><c>aud</c> missing or none of its values configured.</summary>
    Audience,
}

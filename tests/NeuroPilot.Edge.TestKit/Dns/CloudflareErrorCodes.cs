namespace NeuroPilot.Edge.Tests.TestKit.Dns;

/// <summary>
/// The error codes the <see cref="CloudflareEmulator"/> answers with, in the envelope's <c>errors[].code</c>.
/// Codes marked "real" are Cloudflare API v4 codes (REFERENCE.md, or seen in public issue reports); the others are
/// Cloudflare-style codes for cases whose real code we have not seen, so a client must not special-case them.
/// </summary>
public static class CloudflareErrorCodes
{
    /// <summary>Real: a field failed validation (tags over the quota come wrapped in it, with an <c>error_chain</c>).</summary>
    public const int DnsValidationError = 1004;

    /// <summary>Real: the Authorization header is not <c>Bearer TOKEN</c> (HTTP 400, <c>error_chain</c> 6111).</summary>
    public const int InvalidRequestHeaders = 6003;

    /// <summary>Real: <c>error_chain</c> entry of 6003.</summary>
    public const int InvalidAuthorizationHeaderFormat = 6111;

    /// <summary>Real: no path matches (HTTP 400).</summary>
    public const int NoRoute = 7000;

    /// <summary>Emulator: the method is not allowed on this path (HTTP 405).</summary>
    public const int MethodNotAllowed = 7001;

    /// <summary>Real: the zone id is unknown ("Could not route to ..., perhaps your object identifier is invalid?").</summary>
    public const int UnknownZone = 7003;

    /// <summary>Emulator: name missing or not a valid host name.</summary>
    public const int InvalidName = 9000;

    /// <summary>Real: proxied is true on a type other than A, AAAA or CNAME.</summary>
    public const int NotProxiable = 9004;

    /// <summary>Real: A record content is not an IPv4 address.</summary>
    public const int InvalidIPv4 = 9005;

    /// <summary>Real: AAAA record content is not an IPv6 address.</summary>
    public const int InvalidIPv6 = 9006;

    /// <summary>Emulator: content missing or empty.</summary>
    public const int InvalidContent = 9007;

    /// <summary>Real: TTL is neither 1 (automatic) nor 60-86,400.</summary>
    public const int InvalidTtl = 9021;

    /// <summary>Real: no Authorization header at all (HTTP 400).</summary>
    public const int MissingAuthHeaders = 9106;

    /// <summary>Real: the token is unknown (HTTP 403).</summary>
    public const int InvalidAccessToken = 9109;

    /// <summary>Real: the body is not the JSON object expected.</summary>
    public const int InvalidRequestBody = 9207;

    /// <summary>Real: <c>error_chain</c> entry of 1004 when a record has tags (quota 0 on Free).</summary>
    public const int TagsOverQuota = 9300;

    /// <summary>Real: comment longer than 100 characters.</summary>
    public const int CommentTooLong = 9313;

    /// <summary>Real: the token is valid but may not do this (a read-only token writing; HTTP 403).</summary>
    public const int AuthenticationError = 10000;

    /// <summary>Real: over the request budget (HTTP 429 with <c>Retry-After</c>).</summary>
    public const int RateLimited = 10429;

    /// <summary>Real: no record with that id (HTTP 404).</summary>
    public const int RecordNotFound = 81044;

    /// <summary>Real: an A/AAAA record where a CNAME is, or a CNAME where an A/AAAA is.</summary>
    public const int AddressOrCnameExists = 81053;

    /// <summary>Real: a second CNAME at a name that has one.</summary>
    public const int RecordAlreadyExists = 81057;

    /// <summary>Real: a record with the same name, type and content exists.</summary>
    public const int IdenticalRecordExists = 81058;

    /// <summary>Emulator: a batch with more operations than the limit (200 on Free), or an operation without an id.</summary>
    public const int InvalidBatch = 81070;
}

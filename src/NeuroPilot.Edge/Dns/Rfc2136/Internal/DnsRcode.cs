namespace NeuroPilot.Edge.Dns.Rfc2136.Internal;

/// <summary>
/// DNS response codes (header RCODE, RFC 1035/2136) and TSIG error codes (RFC 8945), their names, and what each means
/// for the reconciler.
/// </summary>
internal static class DnsRcode
{
    public const int NoError = 0;
    public const int FormErr = 1;
    public const int ServFail = 2;
    public const int NxDomain = 3;
    public const int NotImp = 4;
    public const int Refused = 5;
    public const int YxDomain = 6;
    public const int YxRrset = 7;
    public const int NxRrset = 8;
    public const int NotAuth = 9;
    public const int NotZone = 10;
    public const int BadSig = 16;
    public const int BadKey = 17;
    public const int BadTime = 18;
    public const int BadTrunc = 22;

    public static string Name(int code) => code switch
    {
        NoError => "NOERROR",
        FormErr => "FORMERR",
        ServFail => "SERVFAIL",
        NxDomain => "NXDOMAIN",
        NotImp => "NOTIMP",
        Refused => "REFUSED",
        YxDomain => "YXDOMAIN",
        YxRrset => "YXRRSET",
        NxRrset => "NXRRSET",
        NotAuth => "NOTAUTH",
        NotZone => "NOTZONE",
        BadSig => "BADSIG",
        BadKey => "BADKEY",
        BadTime => "BADTIME",
        19 => "BADMODE",
        20 => "BADNAME",
        21 => "BADALG",
        BadTrunc => "BADTRUNC",
        23 => "BADCOOKIE",
        _ => $"RCODE{code}",
    };

    /// <summary>What a failed UPDATE's RCODE (and TSIG error, when not 0) means for the reconciler.</summary>
    public static DnsProviderError Classify(int rcode, int tsigError) =>
        tsigError != NoError
            ? DnsProviderError.Unauthorized
            : rcode switch
            {
                YxRrset or NxRrset or YxDomain or NxDomain => DnsProviderError.StateChanged,
                NotAuth or Refused => DnsProviderError.Unauthorized,
                ServFail => DnsProviderError.Unavailable,
                _ => DnsProviderError.Rejected,
            };

    public static string Describe(int code) => code switch
    {
        FormErr => "the server could not parse the update",
        ServFail => "the server failed to apply the update",
        NxDomain => "a name that had to exist does not",
        NotImp => "the server does not implement DNS UPDATE",
        Refused => "the server refused the update (policy)",
        YxDomain => "a name that must not exist does",
        YxRrset => "a record set that must not exist does",
        NxRrset => "a record set no longer holds the values the plan was made against",
        NotAuth => "the server is not authoritative for the zone or the key is not allowed",
        NotZone => "a name is not in the zone",
        BadSig => "TSIG signature invalid (wrong secret?)",
        BadKey => "TSIG key unknown to the server",
        BadTime => "TSIG time outside the fudge window (clock skew)",
        BadTrunc => "TSIG MAC truncated",
        _ => "the server rejected the update",
    };
}

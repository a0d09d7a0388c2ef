namespace NeuroPilot.Edge.Dns.Rfc2136.Internal;

internal enum TsigVerification
{
    Valid,

    /// <summary>The answer carries no TSIG record.</summary>
    Missing,

    /// <summary>The answer's TSIG names another key or algorithm.</summary>
    WrongKey,

    /// <summary>The answer's TSIG has an empty MAC (the server could not verify the request: BADSIG, BADKEY).</summary>
    Unsigned,

    /// <summary>The MAC does not match: the answer was not made with our key for our request.</summary>
    BadMac,

    /// <summary>The MAC matches but the answer's time is outside its fudge window.</summary>
    BadTime,
}

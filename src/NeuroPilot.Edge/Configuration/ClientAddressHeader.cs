namespace NeuroPilot.Edge.Configuration;

/// <summary>Which header of a trusted proxy names the client (<c>Edge.ClientAddressHeader</c>).</summary>
public enum ClientAddressHeader
{
    /// <summary><c>X-Forwarded-For</c>: the rightmost address that is not a trusted proxy.</summary>
    XForwardedFor,

    /// <summary>RFC 7239 <c>Forwarded: for=...</c>: the rightmost <c>for</c> that is not a trusted proxy.</summary>
    Forwarded,

    /// <summary>Cloudflare's <c>CF-Connecting-IP</c> (one address).</summary>
    CfConnectingIp,

    /// <summary><c>X-Real-IP</c> (one address, as nginx sets it).</summary>
    XRealIp,

    /// <summary><c>True-Client-IP</c> (one address: Akamai, Cloudflare Enterprise).</summary>
    TrueClientIp,
}

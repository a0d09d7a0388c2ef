namespace NeuroPilot.Edge.Configuration;

/// <summary>
/// A primary server that takes RFC 2136 dynamic updates signed with TSIG. The key secret (base64) comes from
/// <c>NEUROPILOT_EDGE_TSIG_SECRET</c> (or the file named by <c>NEUROPILOT_EDGE_TSIG_SECRET_FILE</c>), never from the file.
/// </summary>
public sealed class Rfc2136Options
{
    /// <summary>The server's address and port (<c>127.0.0.1:5353</c>, <c>[::1]:53</c>; port 53 when left out).</summary>
    public required System.Net.IPEndPoint Server { get; init; }

    /// <summary>The zone updated (canonical: <c>example.com</c>).</summary>
    public required string Zone { get; init; }

    public required string TsigKeyName { get; init; }

    /// <summary><c>hmac-sha256</c> (default) or <c>hmac-sha512</c>.</summary>
    public string TsigAlgorithm { get; init; } = "hmac-sha256";

    /// <summary>Timeout of one DNS exchange.</summary>
    public TimeSpan Timeout { get; init; } = DnsDefaults.Rfc2136Timeout;
}

namespace NeuroPilot.Edge.Tests.TestKit.Dns;

/// <summary>How a <see cref="HostileDnsServer"/> answers queries and UPDATEs, over UDP and TCP.</summary>
public enum DnsHostility
{
    /// <summary>Relays to the real server behind it (or answers REFUSED when there is none).</summary>
    None,

    /// <summary>An answer whose record name is a compression pointer to itself (RFC 1035 4.1.4 loop).</summary>
    PointerLoop,

    /// <summary>A header announcing one answer record, then the message ends three bytes into it.</summary>
    Truncated,

    /// <summary>The real server's answer (or REFUSED) with another message id.</summary>
    WrongId,

    /// <summary>
    /// Over TCP a length prefix of 65,535, ten bytes, then the connection closed; over UDP a bare header with the TC
    /// (truncated) bit, so that a client falls back to TCP and meets the prefix.
    /// </summary>
    HugeLengthPrefix,
}

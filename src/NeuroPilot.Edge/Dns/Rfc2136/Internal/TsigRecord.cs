namespace NeuroPilot.Edge.Dns.Rfc2136.Internal;

/// <summary>A TSIG record's fields (RFC 8945 4.2); names canonical.</summary>
internal sealed record TsigRecord(
    string KeyName,
    string Algorithm,
    long TimeSigned,
    ushort Fudge,
    byte[] Mac,
    ushort OriginalId,
    ushort Error,
    byte[] OtherData);

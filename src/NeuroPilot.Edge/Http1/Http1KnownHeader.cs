namespace NeuroPilot.Edge.Http1;

/// <summary>The fields the parsers and the engine act on, recognised by a case-insensitive byte comparison of the name.</summary>
public enum Http1KnownHeader : byte
{
    None,
    Host,
    ContentLength,
    TransferEncoding,
    Connection,
    Expect,
    Upgrade,
    TE,
    KeepAlive,
    ProxyConnection,
}

namespace NeuroPilot.Edge.Http1.Internal;

/// <summary>Recognises the field names of <see cref="Http1KnownHeader"/>: a switch on the length, then one case-insensitive comparison.</summary>
internal static class KnownHeaders
{
    public static Http1KnownHeader Classify(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 when FieldSyntax.EqualsIgnoreCase(name, "te"u8) => Http1KnownHeader.TE,
        4 when FieldSyntax.EqualsIgnoreCase(name, "host"u8) => Http1KnownHeader.Host,
        6 when FieldSyntax.EqualsIgnoreCase(name, "expect"u8) => Http1KnownHeader.Expect,
        7 when FieldSyntax.EqualsIgnoreCase(name, "upgrade"u8) => Http1KnownHeader.Upgrade,
        10 when FieldSyntax.EqualsIgnoreCase(name, "connection"u8) => Http1KnownHeader.Connection,
        10 when FieldSyntax.EqualsIgnoreCase(name, "keep-alive"u8) => Http1KnownHeader.KeepAlive,
        14 when FieldSyntax.EqualsIgnoreCase(name, "content-length"u8) => Http1KnownHeader.ContentLength,
        16 when FieldSyntax.EqualsIgnoreCase(name, "proxy-connection"u8) => Http1KnownHeader.ProxyConnection,
        17 when FieldSyntax.EqualsIgnoreCase(name, "transfer-encoding"u8) => Http1KnownHeader.TransferEncoding,
        _ => Http1KnownHeader.None,
    };

    public static Http1Method ClassifyMethod(ReadOnlySpan<byte> method) => method.Length switch
    {
        3 when method.SequenceEqual("GET"u8) => Http1Method.Get,
        3 when method.SequenceEqual("PUT"u8) => Http1Method.Put,
        4 when method.SequenceEqual("HEAD"u8) => Http1Method.Head,
        4 when method.SequenceEqual("POST"u8) => Http1Method.Post,
        5 when method.SequenceEqual("TRACE"u8) => Http1Method.Trace,
        5 when method.SequenceEqual("PATCH"u8) => Http1Method.Patch,
        6 when method.SequenceEqual("DELETE"u8) => Http1Method.Delete,
        7 when method.SequenceEqual("OPTIONS"u8) => Http1Method.Options,
        7 when method.SequenceEqual("CONNECT"u8) => Http1Method.Connect,
        _ => Http1Method.Other,
    };
}

namespace NeuroPilot.Edge.Http1;

/// <summary>Size and count limits of the HTTP/1.1 parsers (docs-proposed/http1-parsing.md). Defaults in line with nginx and Kestrel.</summary>
public sealed class Http1ParserOptions
{
    public static Http1ParserOptions Default { get; } = new();

    /// <summary>Longest request-line, without its CRLF; longer is 414 (RFC 9112 §3).</summary>
    public int MaxRequestLineLength { get; init; } = 8 * 1024;

    /// <summary>Largest head (start line, fields and the empty line); larger is 431 (RFC 6585 §5), or Invalid for a response.</summary>
    public int MaxHeadSize { get; init; } = 32 * 1024;

    /// <summary>Most field lines in a head; more is 431, or Invalid for a response.</summary>
    public int MaxFieldCount { get; init; } = 100;

    /// <summary>Longest chunk-size line with its extensions, without its CRLF (RFC 9112 §7.1.1 lets a recipient limit them).</summary>
    public int MaxChunkLineLength { get; init; } = 4 * 1024;

    /// <summary>Largest trailer section, its field lines with their CRLFs (RFC 9112 §7.1.2).</summary>
    public int MaxTrailerSize { get; init; } = 8 * 1024;

    /// <summary>Most trailer field lines.</summary>
    public int MaxTrailerFieldCount { get; init; } = 32;
}

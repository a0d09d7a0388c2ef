namespace NeuroPilot.Edge.Configuration;

/// <summary>The HTTP version the edge speaks to a service's destinations.</summary>
public enum UpstreamHttpVersion
{
    /// <summary>HTTP/2 where TLS negotiates it (ALPN), else HTTP/1.1.</summary>
    Auto,

    /// <summary>HTTP/1.1 only.</summary>
    Http11,

    /// <summary>HTTP/2 only, also over cleartext (h2c prior knowledge) for <c>http://</c> destinations.</summary>
    Http2,
}

namespace NeuroPilot.Edge.Configuration;

/// <summary>
/// <c>Edge.Tls.ClientCertificates</c>: mutual TLS on the https listeners (Cloudflare Authenticated Origin Pulls,
/// another edge). Off by default.
/// </summary>
public sealed class ClientCertificateOptions
{
    public ClientCertificateMode Mode { get; init; } = ClientCertificateMode.None;

    /// <summary>PEM bundle of the CA certificates a client certificate must chain to; required with <c>require</c>.</summary>
    public string? CaFile { get; init; }
}

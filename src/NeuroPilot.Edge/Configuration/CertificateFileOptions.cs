namespace NeuroPilot.Edge.Configuration;

/// <summary>
/// One certificate of <c>Edge.Tls.Certificates</c>: a PEM file with the certificate (the leaf first, then its
/// intermediates: certbot's <c>fullchain.pem</c>, cert-manager's <c>tls.crt</c>) and a PEM private key (PKCS#8,
/// or PKCS#1 RSA / SEC1 EC; not encrypted).
/// </summary>
public sealed class CertificateFileOptions
{
    public required string CertificateFile { get; init; }

    public required string KeyFile { get; init; }
}

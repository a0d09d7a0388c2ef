using System.Security.Cryptography.X509Certificates;

namespace NeuroPilot.Edge.Tests.TestKit.Tls;

/// <summary>A PEM certificate file (leaf first, then any intermediates) and its PEM private key file.</summary>
public sealed record CertificateFiles(string Certificate, string Key)
{
    /// <summary>The first certificate of the file, without its key.</summary>
    public X509Certificate2 LoadCertificate() => X509Certificate2.CreateFromPem(File.ReadAllText(Certificate));

    /// <summary>The certificate with its private key (a client certificate to present).</summary>
    public X509Certificate2 LoadWithKey() => X509Certificate2.CreateFromPemFile(Certificate, Key);

    /// <summary>SHA-1 thumbprint of the first certificate: what a test compares to tell two certificates apart.</summary>
    public string Thumbprint => LoadCertificate().Thumbprint;
}

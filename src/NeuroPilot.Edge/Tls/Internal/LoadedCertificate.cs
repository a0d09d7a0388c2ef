using System.Security.Cryptography.X509Certificates;

namespace NeuroPilot.Edge.Tls.Internal;

/// <summary>
/// A certificate read from PEM files: the leaf with its private key, the intermediates that followed it in the
/// file, and the names it answers to.
/// </summary>
internal sealed class LoadedCertificate
{
    public required X509Certificate2 Certificate { get; init; }

    /// <summary>The certificates after the leaf in the file, sent with it in the handshake (the root is not sent).</summary>
    public required X509Certificate2Collection Intermediates { get; init; }

    /// <summary>The certificate's DNS names (subjectAltName), as written (<c>*.example.com</c> included), lower case.</summary>
    public required IReadOnlyList<string> DnsNames { get; init; }

    /// <summary>Its first DNS name, else its subject's common name, else the file's name: the <c>name</c> label of its metrics.</summary>
    public required string Name { get; init; }

    public DateTimeOffset NotBefore => new(Certificate.NotBefore.ToUniversalTime());

    public DateTimeOffset NotAfter => new(Certificate.NotAfter.ToUniversalTime());
}

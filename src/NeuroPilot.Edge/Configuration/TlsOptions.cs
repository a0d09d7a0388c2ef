namespace NeuroPilot.Edge.Configuration;

/// <summary>
/// <c>Edge.Tls</c>: what every <c>https://</c> listener serves. The certificate of a handshake is chosen by SNI
/// against each certificate's own DNS names (exact, or <c>*.example.com</c> for one label); the first certificate
/// when none matches. Files are watched and reloaded; changing this section itself needs a restart.
/// </summary>
public sealed class TlsOptions
{
    public IReadOnlyList<CertificateFileOptions> Certificates { get; init; } = [];

    /// <summary>TLS 1.2 and 1.3 by default; <c>"1.3"</c> refuses 1.2.</summary>
    public TlsVersion MinVersion { get; init; } = TlsVersion.Tls12;

    public ClientCertificateOptions ClientCertificates { get; init; } = new();

    /// <summary>Time a client has to complete its handshake (and to send its first byte).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TlsDefaults.HandshakeTimeout;

    /// <summary>Whether <paramref name="other"/> asks the listeners for exactly the same (a change needs a restart).</summary>
    public bool SameAs(TlsOptions other) =>
        MinVersion == other.MinVersion && HandshakeTimeout == other.HandshakeTimeout &&
        ClientCertificates.Mode == other.ClientCertificates.Mode && ClientCertificates.CaFile == other.ClientCertificates.CaFile &&
        Certificates.Count == other.Certificates.Count &&
        Certificates.Select((c, i) => c.CertificateFile == other.Certificates[i].CertificateFile && c.KeyFile == other.Certificates[i].KeyFile).All(same => same);
}

namespace NeuroPilot.Edge.Tests.TestKit.Tls;

/// <summary>
/// How an <see cref="UpstreamProcess"/> serves https: <see cref="Certificate"/> (for 127.0.0.1 and its names),
/// trusted by <see cref="TrustedBy"/>; with <see cref="ClientCa"/> it requires a client certificate from that CA,
/// and the kit's own control requests show <see cref="ControlClientCertificate"/>.
/// </summary>
public sealed record UpstreamTls(CertificateFiles Certificate, CertificateFiles TrustedBy, string? ClientCa = null, CertificateFiles? ControlClientCertificate = null);

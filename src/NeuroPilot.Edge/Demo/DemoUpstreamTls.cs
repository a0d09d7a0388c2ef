using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using NeuroPilot.Edge.Tls.Internal;

namespace NeuroPilot.Edge.Demo;

/// <summary>
/// The TLS side of <c>neuropilot-edge upstream --listen https://... --cert FILE --key FILE [--client-ca FILE]</c>: a
/// certificate read once (PEM, leaf first) and, with a client CA, a required client certificate that must chain to
/// it (an mTLS destination for the edge's <c>UpstreamTls</c>).
/// </summary>
public sealed class DemoUpstreamTls
{
    private readonly LoadedCertificate _certificate;
    private readonly X509Certificate2Collection? _clientCa;

    private DemoUpstreamTls(LoadedCertificate certificate, X509Certificate2Collection? clientCa)
    {
        _certificate = certificate;
        _clientCa = clientCa;
    }

    /// <summary>Reads the files; throws <see cref="IOException"/> with "FILE: reason" when one cannot be used.</summary>
    public static DemoUpstreamTls Load(string certificateFile, string keyFile, string? clientCaFile)
    {
        try
        {
            var certificate = ReloadableFile<LoadedCertificate>.Load([certificateFile, keyFile],
                contents => PemCertificateReader.LoadPair(contents[0], contents[1], DateTimeOffset.UtcNow, PemCertificateReader.ServerAuthentication), 1024 * 1024).Value;
            var clientCa = clientCaFile is null ? null : ReloadableFile<X509Certificate2Collection>.Load([clientCaFile], c => PemCertificateReader.LoadBundle(c[0]), 1024 * 1024).Value;
            return new DemoUpstreamTls(certificate, clientCa);
        }
        catch (FileRejectedException e)
        {
            throw new IOException($"\"{e.Path}\": {e.Message}", e);
        }
    }

    internal void Configure(HttpsConnectionAdapterOptions https)
    {
        https.ServerCertificateChain = _certificate.Intermediates;
        https.ServerCertificate = _certificate.Certificate;
        if (_clientCa is { } roots)
        {
            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            https.ClientCertificateValidation = (certificate, chain, _) =>
                CertificateVerification.Problem(certificate, chain, roots, expectedName: null, PemCertificateReader.ClientAuthentication, DateTimeOffset.UtcNow) is null;
        }
    }
}

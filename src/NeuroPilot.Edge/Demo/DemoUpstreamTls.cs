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

    /// <summary>
    /// Kestrel's per-handshake options (one prebuilt set): through this path Kestrel also records the name the client
    /// asked for (SNI), which the upstream echoes in <c>X-Upstream-Server-Name</c>.
    /// </summary>
    internal TlsHandshakeCallbackOptions HandshakeOptions()
    {
        var options = new System.Net.Security.SslServerAuthenticationOptions
        {
            ServerCertificateContext = System.Net.Security.SslStreamCertificateContext.Create(_certificate.Certificate, _certificate.Intermediates, offline: true),
            ApplicationProtocols = [System.Net.Security.SslApplicationProtocol.Http2, System.Net.Security.SslApplicationProtocol.Http11],
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        if (_clientCa is { } roots)
        {
            options.ClientCertificateRequired = true;
            options.RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                CertificateVerification.Problem(certificate, chain, roots, expectedName: null, PemCertificateReader.ClientAuthentication, DateTimeOffset.UtcNow) is null;
        }

        return new TlsHandshakeCallbackOptions { OnConnection = _ => ValueTask.FromResult(options) };
    }
}

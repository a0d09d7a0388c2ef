using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace NeuroPilot.Edge.Tests.TestKit.Tls;

/// <summary>
/// HTTPS clients for tests, as <c>curl --cacert CA --resolve NAME:PORT:127.0.0.1</c>: they trust only the given CA
/// (the system store plays no part), connect every host name to 127.0.0.1 (so a URL can carry the SNI name), verify
/// the name as usual, and can present a client certificate.
/// </summary>
public static class TlsClients
{
    /// <param name="trusted">The CA to trust (its certificate file).</param>
    /// <param name="clientCertificate">Presented when the server asks (mTLS).</param>
    /// <param name="onServerCertificate">Told the certificate of every handshake (a new connection's).</param>
    /// <param name="connectionLifetime">How long a pooled connection lives: short to make the client handshake often.</param>
    public static SocketsHttpHandler Handler(CertificateFiles trusted, CertificateFiles? clientCertificate = null,
        Action<X509Certificate2>? onServerCertificate = null, TimeSpan? connectionLifetime = null)
    {
        var root = trusted.LoadCertificate();
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            PooledConnectionLifetime = connectionLifetime ?? Timeout.InfiniteTimeSpan,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { root },
                    RevocationMode = X509RevocationMode.NoCheck,
                    DisableCertificateDownloads = true,
                },
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is not null)
                    {
                        onServerCertificate?.Invoke(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                    }

                    return errors == SslPolicyErrors.None;
                },
            },
        };
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate.LoadWithKey()];
        }

        return handler;
    }

    /// <summary>A client over <see cref="Handler"/>, 10 s timeout.</summary>
    public static HttpClient Create(CertificateFiles trusted, CertificateFiles? clientCertificate = null) =>
        new(Handler(trusted, clientCertificate)) { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>
    /// One handshake on a new connection to 127.0.0.1:<paramref name="port"/> asking for <paramref name="serverName"/>
    /// (SNI), trusting <paramref name="trusted"/>: the certificate the server chose, with the protocol it agreed.
    /// </summary>
    public static async Task<(X509Certificate2 Certificate, SslApplicationProtocol Protocol)> HandshakeAsync(
        int port, string serverName, CertificateFiles trusted, CertificateFiles? clientCertificate = null, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, cancel.Token);
        await using var tls = new SslStream(client.GetStream());
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { trusted.LoadCertificate() },
                RevocationMode = X509RevocationMode.NoCheck,
                DisableCertificateDownloads = true,
            },
            ClientCertificates = clientCertificate is null ? null : [clientCertificate.LoadWithKey()],
        };
        await tls.AuthenticateAsClientAsync(options, cancel.Token);
        var certificate = tls.RemoteCertificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(tls.RemoteCertificate!.GetRawCertData());
        return (certificate, tls.NegotiatedApplicationProtocol);
    }
}

using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using dotnet_etcd;
using Grpc.Core;
using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Fleet;

/// <summary>
/// Makes the dotnet-etcd client for <c>Fleet.Etcd</c>: every endpoint in one channel (the client balances over the
/// members that answer), TLS when the endpoints are https (against <see cref="EtcdCredentials.CaCertificates"/> when
/// given, else the system's trust store), and etcd's token auth when a user is configured.
/// </summary>
public static class EtcdClients
{
    public static EtcdClient Create(EtcdOptions options, EtcdCredentials credentials)
    {
        var endpoints = string.Join(',', options.Endpoints.Select(e => $"{e.Scheme}://{e.Authority}"));
        var tls = options.Endpoints.Count > 0 && options.Endpoints[0].Scheme == Uri.UriSchemeHttps;
        var serverName = options.Endpoints.Count > 0 ? options.Endpoints[0].Host : "etcd";
        if (options.Username is { } user && credentials.Password is { } password)
        {
            return new EtcdClient(endpoints, user, password, serverName: serverName, configureChannelOptions: channel =>
            {
                if (tls)
                {
                    channel.Credentials = new SslCredentials();
                    channel.HttpHandler = new SocketsHttpHandler { SslOptions = SslOptions(credentials.CaCertificates) };
                }
            });
        }

        return tls
            ? new EtcdClient(endpoints, ssl => Configure(ssl, credentials.CaCertificates), serverName: serverName)
            : new EtcdClient(endpoints, serverName: serverName);
    }

    private static SslClientAuthenticationOptions SslOptions(X509Certificate2Collection? roots)
    {
        var options = new SslClientAuthenticationOptions();
        Configure(options, roots);
        return options;
    }

    private static void Configure(SslClientAuthenticationOptions options, X509Certificate2Collection? roots)
    {
        options.ApplicationProtocols = [SslApplicationProtocol.Http2];
        if (roots is null)
        {
            return;
        }

        // Chain to the configured CAs only (not the system's): etcd's certificates come from the fleet's own CA.
        options.CertificateChainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        options.CertificateChainPolicy.CustomTrustStore.AddRange(roots);
    }
}

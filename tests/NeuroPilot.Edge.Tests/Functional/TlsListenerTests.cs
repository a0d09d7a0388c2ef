using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Tls;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// The real edge terminating TLS (issue 11, "Done when" 1 and 2): two SNI names with curl and HttpClient, h2 over
/// TLS, plain HTTP on the TLS port and TLS on the plain port failing at once, client certificates on the listener.
/// </summary>
public sealed class TlsListenerTests(TestCertificates certificates) : IClassFixture<TestCertificates>
{
    private static readonly TimeSpan CurlDeadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Get_TwoSniNamesWithCurlCacertAndResolve_EachGetsItsOwnCertificate()
    {
        var a = certificates.Issue("listener-a", ["a.test"]);
        var b = certificates.Issue("listener-b", ["b.test", "*.b.test"]);
        await using var setup = await StartAsync([a, b]);

        foreach (var (name, subject) in new[] { ("a.test", "CN=a.test"), ("b.test", "CN=b.test"), ("www.b.test", "CN=b.test") })
        {
            var result = await ChildProcess.RunToExitAsync("curl",
                ["-sS", "-v", "--cacert", certificates.Ca.Certificate, "--resolve", $"{name}:{setup.HttpsPort}:127.0.0.1", $"https://{name}:{setup.HttpsPort}/sni", "-w", "%{http_code} %{ssl_verify_result}"],
                CurlDeadline);

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("us-east GET /sni\n200 0", result.Stdout, StringComparison.Ordinal);
            Assert.Contains($"subject: {subject}", result.Stderr, StringComparison.Ordinal);
        }

        // HttpClient trusting only the test CA, as curl --cacert does.
        X509Certificate2? seen = null;
        using var client = new HttpClient(TlsClients.Handler(certificates.Ca, onServerCertificate: c => seen = c));
        using var response = await client.GetAsync(new Uri($"https://b.test:{setup.HttpsPort}/sni"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(b.Thumbprint, seen!.Thumbprint);
    }

    [Fact]
    public async Task Get_Http2OverTls_WorksWithCurlAndHttpClient_AndTheUpstreamHearsProtoHttps()
    {
        var a = certificates.Issue("h2-a", ["a.test"]);
        await using var setup = await StartAsync([a]);

        var curl = await ChildProcess.RunToExitAsync("curl",
            ["-sS", "--http2", "--cacert", certificates.Ca.Certificate, "--resolve", $"a.test:{setup.HttpsPort}:127.0.0.1", $"https://a.test:{setup.HttpsPort}/headers", "-w", "\nhttp_version=%{http_version}\n"],
            CurlDeadline);
        Assert.True(curl.ExitCode == 0, curl.ToString());
        Assert.Contains("http_version=2", curl.Stdout, StringComparison.Ordinal);
        Assert.Contains("X-Forwarded-Proto: https", curl.Stdout, StringComparison.Ordinal);

        using var client = new HttpClient(TlsClients.Handler(certificates.Ca))
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        for (var i = 0; i < 5; i++)
        {
            using var response = await client.GetAsync(new Uri($"https://a.test:{setup.HttpsPort}/h2/{i}"));
            Assert.Equal(HttpVersion.Version20, response.Version);
            Assert.Equal($"us-east GET /h2/{i}\n", await response.Content.ReadAsStringAsync());
        }

        // The plain listener stays HTTP/1.1 only.
        using var plain = await new HttpClient().GetAsync(new Uri($"http://127.0.0.1:{setup.HttpPort}/plain"));
        Assert.Equal(HttpVersion.Version11, plain.Version);
    }

    [Fact]
    public async Task PlainHttpOnTheTlsPort_Gets400WithAShortBodyAtOnce_AndTheConnectionCloses()
    {
        var a = certificates.Issue("plain-a", ["a.test"]);
        await using var setup = await StartAsync([a]);

        var clock = Stopwatch.StartNew();
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, setup.HttpsPort);
        var stream = socket.GetStream();
        await stream.WriteAsync("GET /oops HTTP/1.1\r\nHost: a.test\r\n\r\n"u8.ToArray());
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var answer = new MemoryStream();
        await stream.CopyToAsync(answer, deadline.Token); // ends when the edge closes
        var elapsed = clock.Elapsed;

        var text = Encoding.ASCII.GetString(answer.ToArray());
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nplain HTTP sent to an HTTPS port\n", text, StringComparison.Ordinal);
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"took {elapsed}");

        var curl = await ChildProcess.RunToExitAsync("curl", ["-sS", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}", $"http://127.0.0.1:{setup.HttpsPort}/"], CurlDeadline);
        Assert.Equal("400", curl.Stdout.Trim());
        Assert.Contains("neuropilot_edge_tls_plain_http_rejected_total 2", await setup.Edge.GetMetricsTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TlsOnThePlainPort_FailsFastInsteadOfHanging()
    {
        var a = certificates.Issue("wrongport-a", ["a.test"]);
        await using var setup = await StartAsync([a]);

        var clock = Stopwatch.StartNew();
        var failure = await Record.ExceptionAsync(() => TlsClients.HandshakeAsync(setup.HttpPort, "a.test", certificates.Ca, timeout: TimeSpan.FromSeconds(10)));
        var elapsed = clock.Elapsed;

        Assert.True(failure is System.Security.Authentication.AuthenticationException or IOException, $"{failure}");
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"the handshake failed after {elapsed}");

        // curl says why: the answer is not TLS.
        var curl = await ChildProcess.RunToExitAsync("curl", ["-sS", "-m", "5", "--cacert", certificates.Ca.Certificate, $"https://127.0.0.1:{setup.HttpPort}/"], CurlDeadline);
        Assert.Equal(35, curl.ExitCode);
        Assert.Contains("wrong version number", curl.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientCertificatesRequired_OnlyClientsWithACertificateOfTheCaAreServed()
    {
        var server = certificates.Issue("mtls-listener", ["a.test"]);
        var client = certificates.Issue("mtls-listener-client", ["origin-pull.test"], usage: "clientAuth");
        var otherCa = certificates.CreateCa("mtls-listener-rogue-ca", "NeuroPilot Rogue CA");
        var stranger = certificates.Issue("mtls-listener-stranger", ["stranger.test"], issuer: otherCa, usage: "clientAuth");
        await using var setup = await StartAsync([server], tlsExtras: $$""" "ClientCertificates": { "Mode": "require", "CaFile": "{{certificates.Ca.Certificate}}" } """);
        var url = new Uri($"https://a.test:{setup.HttpsPort}/mtls");

        using (var withCertificate = TlsClients.Create(certificates.Ca, client))
        {
            using var response = await withCertificate.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using (var without = TlsClients.Create(certificates.Ca))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => without.GetAsync(url));
        }

        using (var wrongCa = TlsClients.Create(certificates.Ca, stranger))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => wrongCa.GetAsync(url));
        }

        var curl = await ChildProcess.RunToExitAsync("curl",
            ["-sS", "--cacert", certificates.Ca.Certificate, "--cert", client.Certificate, "--key", client.Key, "--resolve", $"a.test:{setup.HttpsPort}:127.0.0.1", url.ToString()],
            CurlDeadline);
        Assert.True(curl.ExitCode == 0, curl.ToString());
    }

    private async Task<Setup> StartAsync(CertificateFiles[] served, string tlsExtras = "")
    {
        var upstream = await UpstreamProcess.StartAsync("us-east");
        var (httpPort, httpsPort, adminPort) = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        try
        {
            var edge = await EdgeProcess.StartAsync(EdgeConfigText.WithHttps(httpPort, httpsPort, adminPort, [upstream], served, tlsExtras));
            return new Setup(upstream, edge, httpPort, httpsPort);
        }
        catch
        {
            upstream.Dispose();
            throw;
        }
    }

    private sealed record Setup(UpstreamProcess Upstream, EdgeProcess Edge, int HttpPort, int HttpsPort) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            Edge.Dispose();
            Upstream.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Telemetry;
using NeuroPilot.Edge.Tests.Dns;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Tls;
using NeuroPilot.Edge.Tls;
using NeuroPilot.Edge.Tls.Internal;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Tls;

/// <summary>
/// The listener side of TLS with real handshakes on loopback (an SslStream server asking <see cref="ServerTls"/> per
/// handshake, as Kestrel does): SNI, the chain sent, reloads by the fake clock, client certificates.
/// </summary>
public sealed class ServerTlsTests(TestCertificates certificates, ITestOutputHelper output) : IClassFixture<TestCertificates>, IDisposable
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(250);

    // A minute ahead: certificates issued during the test (valid from the second they are made) are already valid.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow.AddMinutes(1));
    private readonly EdgeMetrics _metrics = new(EdgeMetrics.CreateRegistry());
    private readonly CapturingLogger<ServerTls> _log = new();
    private readonly List<IDisposable> _disposables = [];

    [Fact]
    public async Task Handshake_TwoSniNames_EachGetsItsOwnCertificate_AndOtherNamesGetTheFirst()
    {
        var a = certificates.Issue("sni-a", ["a.test", "*.a.test"]);
        var b = certificates.Issue("sni-b", ["b.test"]);
        var tls = Create(Options(a, b));
        await using var server = HandshakeServer.Start(tls);

        Assert.Equal(a.Thumbprint, (await TlsClients.HandshakeAsync(server.Port, "a.test", certificates.Ca)).Certificate.Thumbprint);
        Assert.Equal(b.Thumbprint, (await TlsClients.HandshakeAsync(server.Port, "b.test", certificates.Ca)).Certificate.Thumbprint);
        Assert.Equal(a.Thumbprint, (await TlsClients.HandshakeAsync(server.Port, "www.a.test", certificates.Ca)).Certificate.Thumbprint);
        Assert.Equal(SslApplicationProtocol.Http2, (await TlsClients.HandshakeAsync(server.Port, "b.test", certificates.Ca)).Protocol);
    }

    [Fact]
    public async Task Handshake_CertificateSignedByAnIntermediate_SendsTheIntermediateSoAClientTrustingOnlyTheRootAccepts()
    {
        var intermediate = certificates.CreateIntermediate("served-intermediate", "NeuroPilot Served Intermediate");
        var leaf = certificates.Issue("served-leaf", ["chain.test"], issuer: intermediate);
        var fullChain = new CertificateFiles(certificates.Concatenate("served-full.pem", leaf.Certificate, intermediate.Certificate), leaf.Key);
        var tls = Create(Options(fullChain));
        await using var server = HandshakeServer.Start(tls);
        Assert.Equal(intermediate.Thumbprint, Assert.Single(tls.Select("chain.test").ServerCertificateContext!.IntermediateCertificates).Thumbprint);

        var (served, _) = await TlsClients.HandshakeAsync(server.Port, "chain.test", certificates.Ca);

        Assert.Equal(leaf.Thumbprint, served.Thumbprint);
    }

    [Fact]
    public async Task Reload_RenewedCertificate_IsServedToTheNextHandshake()
    {
        var a = certificates.Issue("renew-a", ["renew.test"]);
        var files = Copy(a, "renew-live");
        var tls = Create(Options(files));
        await using var server = HandshakeServer.Start(tls);
        Assert.Equal(a.Thumbprint, (await TlsClients.HandshakeAsync(server.Port, "renew.test", certificates.Ca)).Certificate.Thumbprint);

        var renewed = certificates.Issue("renew-b", ["renew.test"], days: 90);
        FileSwap.WriteAtomically(files.Key, File.ReadAllBytes(renewed.Key));
        FileSwap.WriteAtomically(files.Certificate, File.ReadAllBytes(renewed.Certificate));
        tls.CheckNow();

        Assert.Equal(renewed.Thumbprint, (await TlsClients.HandshakeAsync(server.Port, "renew.test", certificates.Ca)).Certificate.Thumbprint);
        Assert.Equal(1, _metrics.TlsCertificateReloads.WithLabels("renew.test").Value);
        Assert.Equal(new DateTimeOffset(renewed.LoadCertificate().NotAfter.ToUniversalTime()).ToUnixTimeSeconds(), _metrics.TlsCertificateExpiry.WithLabels("renew.test").Value);
    }

    [Fact]
    public async Task Reload_BrokenRenewal_KeepsServingTheOldCertificate_LogsOnceWithPathAndReason_AndCounts()
    {
        var a = certificates.Issue("broken-a", ["broken.test"]);
        var other = certificates.Issue("broken-other", ["other.test"]);
        var files = Copy(a, "broken-live");
        var tls = Create(Options(files));
        await using var server = HandshakeServer.Start(tls);

        // A renewal whose key is another certificate's.
        FileSwap.WriteAtomically(files.Key, File.ReadAllBytes(other.Key));
        tls.CheckNow();
        _time.Advance(Settle);
        tls.CheckNow();

        Assert.Equal(a.Thumbprint, (await TlsClients.HandshakeAsync(server.Port, "broken.test", certificates.Ca)).Certificate.Thumbprint);
        Assert.Equal(1, _metrics.TlsCertificateReloadFailures.WithLabels("broken.test").Value);
        var line = Assert.Single(_log.Lines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Error);
        Assert.Equal($"Rejected new Edge.Tls.Certificates[0]: {files.Key}: does not match the certificate in \"{files.Certificate}\" (a key of another certificate); the previous one stays in use", line.Text);
    }

    [Fact]
    public async Task Reload_ExpiredRenewal_IsRefused()
    {
        var a = certificates.Issue("stale-a", ["stale.test"]);
        var expired = certificates.IssueWithValidity("stale-expired", "stale.test", DateTimeOffset.UtcNow.AddDays(-40), DateTimeOffset.UtcNow.AddDays(-2));
        var files = Copy(a, "stale-live");
        var tls = Create(Options(files));
        await using var server = HandshakeServer.Start(tls);

        FileSwap.WriteAtomically(files.Key, File.ReadAllBytes(expired.Key));
        FileSwap.WriteAtomically(files.Certificate, File.ReadAllBytes(expired.Certificate));
        tls.CheckNow();
        _time.Advance(Settle);

        Assert.Equal(a.Thumbprint, (await TlsClients.HandshakeAsync(server.Port, "stale.test", certificates.Ca)).Certificate.Thumbprint);
        Assert.Contains(_log.Lines, l => l.Text.Contains($"{files.Certificate}: expired on ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Handshake_ClientCertificatesRequired_OnlyAClientOfTheCaGetsIn()
    {
        var server = certificates.Issue("mtls-server", ["mtls.test"]);
        var client = certificates.Issue("mtls-client", ["client-1.test"], usage: "clientAuth");
        var otherCa = certificates.CreateCa("mtls-other-ca", "NeuroPilot Other CA");
        var stranger = certificates.Issue("mtls-stranger", ["stranger.test"], issuer: otherCa, usage: "clientAuth");
        var tls = Create(new TlsOptions
        {
            Certificates = Options(server).Certificates,
            ClientCertificates = new ClientCertificateOptions { Mode = ClientCertificateMode.Require, CaFile = certificates.Ca.Certificate },
        });
        await using var listener = HandshakeServer.Start(tls);

        Assert.Null(await listener.OutcomeOfAsync(() => TlsClients.HandshakeAsync(listener.Port, "mtls.test", certificates.Ca, client)));
        Assert.NotNull(await listener.OutcomeOfAsync(() => TlsClients.HandshakeAsync(listener.Port, "mtls.test", certificates.Ca)));
        Assert.NotNull(await listener.OutcomeOfAsync(() => TlsClients.HandshakeAsync(listener.Port, "mtls.test", certificates.Ca, stranger)));
    }

    [Fact]
    public async Task Handshake_Cost_CachedContextAgainstOnePerHandshake()
    {
        const int Handshakes = 200;
        var a = certificates.Issue("cost-a", ["cost.test"]);
        var tls = Create(Options(a));
        await using var server = HandshakeServer.Start(tls);
        await TlsClients.HandshakeAsync(server.Port, "cost.test", certificates.Ca);

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Handshakes; i++)
        {
            await TlsClients.HandshakeAsync(server.Port, "cost.test", certificates.Ca);
        }

        var perHandshake = clock.Elapsed / Handshakes;
        var selection = Stopwatch.StartNew();
        for (var i = 0; i < 100_000; i++)
        {
            _ = tls.Select("cost.test");
        }

        var perSelection = selection.Elapsed / 100_000;
        var loaded = PemCertificateReader.LoadPair(new FileContent(a.Certificate, File.ReadAllBytes(a.Certificate)), new FileContent(a.Key, File.ReadAllBytes(a.Key)),
            DateTimeOffset.UtcNow, PemCertificateReader.ServerAuthentication);
        var build = Stopwatch.StartNew();
        for (var i = 0; i < Handshakes; i++)
        {
            _ = SslStreamCertificateContext.Create(loaded.Certificate, loaded.Intermediates, offline: true);
        }

        var perContext = build.Elapsed / Handshakes;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Handshakes} full TLS 1.3 handshakes (EC P-256, client and server in this process, loopback): {perHandshake.TotalMilliseconds:0.000} ms each; " +
            $"SNI selection {perSelection.TotalMicroseconds * 1000:0} ns; building the certificate context that the cache saves: {perContext.TotalMilliseconds:0.000} ms each"));
        Assert.True(perSelection < TimeSpan.FromMicroseconds(10), $"selection took {perSelection}");
    }

    public void Dispose()
    {
        foreach (var disposable in _disposables)
        {
            disposable.Dispose();
        }
    }

    private ServerTls Create(TlsOptions options)
    {
        var errors = new List<ConfigError>();
        var inputs = TlsInputs.Read(new EdgeConfig
        {
            Edge = new EdgeOptions { Listen = [new Uri("https://127.0.0.1:8443")], Tls = options },
            Services = [],
        }, _time, errors, []);
        Assert.Empty(errors);
        var tls = new ServerTls(options, inputs, _metrics, _time, _log, new ReloadableFileOptions { WatchFolders = false, Settle = Settle });
        _disposables.Add(tls);
        return tls;
    }

    private static TlsOptions Options(params CertificateFiles[] files) => new()
    {
        Certificates = [.. files.Select(f => new CertificateFileOptions { CertificateFile = f.Certificate, KeyFile = f.Key })],
    };

    private CertificateFiles Copy(CertificateFiles files, string stem)
    {
        var copy = new CertificateFiles(certificates.PathOf($"{stem}.pem"), certificates.PathOf($"{stem}.key"));
        File.Copy(files.Certificate, copy.Certificate, overwrite: true);
        File.Copy(files.Key, copy.Key, overwrite: true);
        return copy;
    }

    /// <summary>An SslStream server on loopback that asks <see cref="ServerTls"/> for each handshake's options, as Kestrel does.</summary>
    private sealed class HandshakeServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Channel<Exception?> _outcomes = Channel.CreateUnbounded<Exception?>();
        private Task _accepting = Task.CompletedTask;

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public static HandshakeServer Start(ServerTls tls)
        {
            var server = new HandshakeServer();
            server._listener.Start();
            server._accepting = server.AcceptAsync(tls);
            return server;
        }

        /// <summary>Runs a client handshake and returns how the server's side of it ended: null when it succeeded.</summary>
        public async Task<Exception?> OutcomeOfAsync(Func<Task> client)
        {
            try
            {
                await client();
            }
            catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
            {
                // TLS 1.2 fails the client's handshake; TLS 1.3 fails it on the server after the client thinks it is done.
            }

            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            return await _outcomes.Reader.ReadAsync(deadline.Token);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _accepting;
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Stopped.
            }

            _stop.Dispose();
        }

        private async Task AcceptAsync(ServerTls tls)
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        await using var stream = new SslStream(client.GetStream());
                        try
                        {
                            await stream.AuthenticateAsServerAsync(
                                static (_, hello, state, _) => ValueTask.FromResult(((ServerTls)state!).Select(hello.ServerName)), tls, _stop.Token);
                            _outcomes.Writer.TryWrite(null);
                        }
                        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException or OperationCanceledException)
                        {
                            _outcomes.Writer.TryWrite(e);
                        }
                    }
                });
            }
        }
    }
}

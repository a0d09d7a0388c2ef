using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Tls;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary>
/// Certificate renewal on a running edge under HTTPS load (issue 11, "Done when" 1): the files replaced by rename
/// (certbot, cert-manager) or rewritten in place, no request fails, and new handshakes get the new certificate within
/// 2 s; a broken renewal keeps the old one serving and says so in the log and the metrics.
/// </summary>
public sealed class TlsReloadTests(TestCertificates certificates, ITestOutputHelper output) : IClassFixture<TestCertificates>
{
    private const int Rate = 200;
    private static readonly TimeSpan NewCertificateDeadline = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData("rename")]
    [InlineData("in-place")]
    public async Task CertificateReplaced_Under200RpsOfHttps_NoRequestFails_AndNewHandshakesGetItWithinTwoSeconds(string how)
    {
        var first = certificates.Issue($"reload-{how}-1", ["a.test"]);
        var second = certificates.Issue($"reload-{how}-2", ["a.test"], days: 90);
        using var folder = new LiveFolder(first);
        await using var setup = await StartAsync(folder.Files);
        var seen = new ConcurrentDictionary<string, int>();
        var handler = TlsClients.Handler(certificates.Ca, onServerCertificate: c => seen.AddOrUpdate(c.Thumbprint, 1, (_, n) => n + 1),
            connectionLifetime: TimeSpan.FromMilliseconds(200));
        await using var load = SteadyLoad.Start(new Uri($"https://a.test:{setup.HttpsPort}/load"), Rate, TimeSpan.FromSeconds(8), handler: handler);
        await Eventually.WaitUntilAsync(() => load.Total >= Rate * 2, TimeSpan.FromSeconds(10), "two seconds of load before the renewal");

        var clock = Stopwatch.StartNew();
        if (how == "rename")
        {
            FileSwap.WriteAtomically(folder.Files.Key, File.ReadAllBytes(second.Key));
            FileSwap.WriteAtomically(folder.Files.Certificate, File.ReadAllBytes(second.Certificate));
        }
        else
        {
            File.WriteAllBytes(folder.Files.Key, File.ReadAllBytes(second.Key));
            File.WriteAllBytes(folder.Files.Certificate, File.ReadAllBytes(second.Certificate));
        }

        TimeSpan? pickedUp = null;
        await Eventually.WaitUntilAsync(async () =>
        {
            var (served, _) = await TlsClients.HandshakeAsync(setup.HttpsPort, "a.test", certificates.Ca);
            pickedUp ??= served.Thumbprint == second.Thumbprint ? clock.Elapsed : null;
            return pickedUp is not null;
        }, TimeSpan.FromSeconds(10), "a new handshake gets the renewed certificate");
        await load.Completion;

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{how}: new handshakes got the renewed certificate {pickedUp!.Value.TotalMilliseconds:0} ms after the files were replaced; " +
            $"load: {load.Summary()}; handshakes of the load: {seen.GetValueOrDefault(first.Thumbprint)} with the old certificate, {seen.GetValueOrDefault(second.Thumbprint)} with the new"));
        Assert.Equal(0, load.Failed);
        Assert.True(load.Total >= Rate * 7, load.Summary());
        Assert.True(pickedUp <= NewCertificateDeadline, $"new handshakes got the renewed certificate after {pickedUp}");
        Assert.True(seen.GetValueOrDefault(second.Thumbprint) > 0, "the load never handshook with the renewed certificate");
        Assert.Contains("Reloaded Edge.Tls.Certificates[0]", setup.Edge.Output.Stderr, StringComparison.Ordinal);

        // The key was written before the certificate: a renewal in progress, not a broken one.
        Assert.DoesNotContain("Rejected new", setup.Edge.Output.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BrokenRenewal_KeepsTheOldCertificateServing_AndIsLoggedWithThePathAndTheReason_AndCounted()
    {
        var first = certificates.Issue("broken-renewal-1", ["a.test"]);
        var other = certificates.Issue("broken-renewal-other", ["b.test"]);
        using var folder = new LiveFolder(first);
        await using var setup = await StartAsync(folder.Files);

        // A key that belongs to another certificate, then garbage in place of the certificate.
        FileSwap.WriteAtomically(folder.Files.Key, File.ReadAllBytes(other.Key));
        await setup.Edge.Output.WaitForStderrAsync($"Rejected new Edge.Tls.Certificates[0]: {folder.Files.Key}: does not match the certificate", TimeSpan.FromSeconds(5));
        FileSwap.WriteAtomically(folder.Files.Certificate, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n"u8.ToArray());
        await setup.Edge.Output.WaitForStderrAsync($"Rejected new Edge.Tls.Certificates[0]: {folder.Files.Certificate}: holds no PEM certificate", TimeSpan.FromSeconds(5));

        Assert.Equal(first.Thumbprint, (await TlsClients.HandshakeAsync(setup.HttpsPort, "a.test", certificates.Ca)).Certificate.Thumbprint);
        using var client = TlsClients.Create(certificates.Ca);
        using var response = await client.GetAsync(new Uri($"https://a.test:{setup.HttpsPort}/still-serving"));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, PrometheusText.Sum(await setup.Edge.GetMetricsTextAsync(), "neuropilot_edge_tls_certificate_reload_failures_total", ("name", "a.test")));
        Assert.Single(setup.Edge.Output.StderrLines, l => l.Contains("does not match the certificate", StringComparison.Ordinal));

        // Mended: the good files again (a new certificate) are taken.
        var mended = certificates.Issue("broken-renewal-2", ["a.test"]);
        FileSwap.WriteAtomically(folder.Files.Key, File.ReadAllBytes(mended.Key));
        FileSwap.WriteAtomically(folder.Files.Certificate, File.ReadAllBytes(mended.Certificate));
        await Eventually.WaitUntilAsync(async () => (await TlsClients.HandshakeAsync(setup.HttpsPort, "a.test", certificates.Ca)).Certificate.Thumbprint == mended.Thumbprint,
            TimeSpan.FromSeconds(5), "the mended certificate is served");
    }

    [Fact]
    public async Task ConfigReloadChangingEdgeTls_SaysARestartIsNeeded_AndKeepsServing()
    {
        var first = certificates.Issue("restart-1", ["a.test"]);
        var second = certificates.Issue("restart-2", ["b.test"]);
        await using var setup = await StartAsync(first);

        setup.Edge.RewriteConfig(setup.Config.Replace(first.Certificate, second.Certificate, StringComparison.Ordinal).Replace(first.Key, second.Key, StringComparison.Ordinal));

        await setup.Edge.Output.WaitForStderrAsync("Config changes to Edge.Tls take effect only after a restart", TimeSpan.FromSeconds(10));
        Assert.Equal(first.Thumbprint, (await TlsClients.HandshakeAsync(setup.HttpsPort, "a.test", certificates.Ca)).Certificate.Thumbprint);
    }

    private async Task<Setup> StartAsync(CertificateFiles served)
    {
        var upstream = await UpstreamProcess.StartAsync("us-east");
        var (httpPort, httpsPort, adminPort) = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        try
        {
            var config = EdgeConfigText.WithHttps(httpPort, httpsPort, adminPort, [upstream], [served]);
            var edge = await EdgeProcess.StartAsync(config);
            return new Setup(upstream, edge, httpsPort, config);
        }
        catch
        {
            upstream.Dispose();
            throw;
        }
    }

    /// <summary>A folder of its own holding the served certificate and key (what the edge watches), like certbot's live/.</summary>
    private sealed class LiveFolder : IDisposable
    {
        private readonly string _path = Directory.CreateTempSubdirectory("neuropilot-edge-live-").FullName;

        public LiveFolder(CertificateFiles initial)
        {
            Files = new CertificateFiles(Path.Combine(_path, "fullchain.pem"), Path.Combine(_path, "privkey.pem"));
            File.Copy(initial.Certificate, Files.Certificate);
            File.Copy(initial.Key, Files.Key);
        }

        public CertificateFiles Files { get; }

        public void Dispose() => Directory.Delete(_path, recursive: true);
    }

    private sealed record Setup(UpstreamProcess Upstream, EdgeProcess Edge, int HttpsPort, string Config) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            Edge.Dispose();
            Upstream.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

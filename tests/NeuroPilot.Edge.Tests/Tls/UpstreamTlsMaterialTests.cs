using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Tls;
using NeuroPilot.Edge.Tls;
using NeuroPilot.Edge.Tls.Internal;

namespace NeuroPilot.Edge.Tests.Tls;

/// <summary>How the edge judges a destination's certificate under <c>UpstreamTls</c>, and its client certificate reloading.</summary>
public sealed class UpstreamTlsMaterialTests(TestCertificates certificates) : IClassFixture<TestCertificates>, IDisposable
{
    // A minute ahead: certificates issued during the test (valid from the second they are made) are already valid.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow.AddMinutes(1));
    private readonly List<IDisposable> _disposables = [];

    [Fact]
    public void Problem_DestinationCertificateFromTheBundle_IsTrusted()
    {
        var destination = certificates.Issue("up-good", ["api.internal.test"], ipAddresses: ["127.0.0.1"]);
        var material = Create(new UpstreamTlsOptions { CaFile = certificates.Ca.Certificate });

        Assert.Null(material.Problem(destination.LoadCertificate(), chain: null, "127.0.0.1"));
        Assert.Null(material.Problem(destination.LoadCertificate(), chain: null, "api.internal.test"));
    }

    [Fact]
    public void Problem_CertificateFromAnotherCa_IsUntrusted()
    {
        var otherCa = certificates.CreateCa("up-other-ca", "NeuroPilot Rogue CA");
        var rogue = certificates.Issue("up-rogue", ["api.internal.test"], issuer: otherCa, ipAddresses: ["127.0.0.1"]);
        var material = Create(new UpstreamTlsOptions { CaFile = certificates.Ca.Certificate });

        var problem = material.Problem(rogue.LoadCertificate(), chain: null, "127.0.0.1");

        Assert.NotNull(problem);
        Assert.StartsWith("certificate untrusted (", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_ServerNameNotOnTheCertificate_IsANameMismatchSayingBoth()
    {
        var destination = certificates.Issue("up-named", ["eu-west.internal.test"], ipAddresses: ["127.0.0.1"]);
        var material = Create(new UpstreamTlsOptions { CaFile = certificates.Ca.Certificate, ServerName = "us-east.internal.test" });

        Assert.Equal("name mismatch (expected us-east.internal.test; the certificate is for eu-west.internal.test)",
            material.Problem(destination.LoadCertificate(), chain: null, "127.0.0.1"));
    }

    [Fact]
    public void Problem_ServerNameSet_IsCheckedInsteadOfTheAddressConnectedTo()
    {
        // No IP address in the certificate: only ServerName makes it acceptable for https://127.0.0.1:PORT.
        var destination = certificates.Issue("up-by-name", ["us-east.internal.test"]);
        var byAddress = Create(new UpstreamTlsOptions { CaFile = certificates.Ca.Certificate });
        var byName = Create(new UpstreamTlsOptions { CaFile = certificates.Ca.Certificate, ServerName = "us-east.internal.test" });

        Assert.StartsWith("name mismatch", byAddress.Problem(destination.LoadCertificate(), chain: null, "127.0.0.1"), StringComparison.Ordinal);
        Assert.Null(byName.Problem(destination.LoadCertificate(), chain: null, "127.0.0.1"));
    }

    [Fact]
    public void Problem_NoCertificate_SaysSo() =>
        Assert.Equal("no certificate presented", Create(new UpstreamTlsOptions { CaFile = certificates.Ca.Certificate }).Problem(null, null, "127.0.0.1"));

    [Fact]
    public void ClientCertificate_RenewedOnDisk_IsWhatTheNextConnectionShows()
    {
        var first = certificates.Issue("up-client-1", ["edge-1.internal.test"], usage: "clientAuth");
        var live = new CertificateFiles(certificates.PathOf("up-client-live.pem"), certificates.PathOf("up-client-live.key"));
        File.Copy(first.Certificate, live.Certificate, overwrite: true);
        File.Copy(first.Key, live.Key, overwrite: true);
        var material = Create(new UpstreamTlsOptions { CaFile = certificates.Ca.Certificate, ClientCertificateFile = live.Certificate, ClientKeyFile = live.Key });
        var options = material.CreateSslOptions(onRejected: null);
        Assert.Equal(first.Thumbprint, options.LocalCertificateSelectionCallback!(this, "127.0.0.1", [], null, [])?.GetCertHashString());

        var second = certificates.Issue("up-client-2", ["edge-1.internal.test"], usage: "clientAuth");
        FileSwap.WriteAtomically(live.Key, File.ReadAllBytes(second.Key));
        FileSwap.WriteAtomically(live.Certificate, File.ReadAllBytes(second.Certificate));
        material.CheckNow();

        // The same options object (the same HTTP client): its callback reads the new files.
        Assert.Equal(second.Thumbprint, options.LocalCertificateSelectionCallback!(this, "127.0.0.1", [], null, [])?.GetCertHashString());
    }

    [Fact]
    public void Problem_FilesNeverGood_RefusesEveryDestination()
    {
        var destination = certificates.Issue("up-never", ["api.internal.test"], ipAddresses: ["127.0.0.1"]);
        var material = Create(new UpstreamTlsOptions { CaFile = certificates.PathOf("no-such-ca.pem") });

        Assert.Equal("TLS files not loaded (see the log)", material.Problem(destination.LoadCertificate(), chain: null, "127.0.0.1"));
    }

    public void Dispose()
    {
        foreach (var disposable in _disposables)
        {
            disposable.Dispose();
        }
    }

    private UpstreamTlsMaterial Create(UpstreamTlsOptions options)
    {
        var material = new UpstreamTlsMaterial("Services.api.UpstreamTls", options, metrics: null, _time, NullLogger.Instance, new ReloadableFileOptions { WatchFolders = false });
        _disposables.Add(material);
        return material;
    }
}

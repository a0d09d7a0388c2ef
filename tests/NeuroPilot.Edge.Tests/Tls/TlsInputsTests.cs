using Microsoft.Extensions.Time.Testing;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Tests.TestKit.Tls;
using NeuroPilot.Edge.Tls;

namespace NeuroPilot.Edge.Tests.Tls;

/// <summary>What <c>check</c> and start-up say about TLS files: one error per problem naming the key and the file; warnings that do not fail.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TlsInputsTests(TestCertificates certificates) : IClassFixture<TestCertificates>
{
    [Fact]
    public void Read_GoodPairs_LoadsThemInOrderWithoutWarnings()
    {
        var a = certificates.Issue("inputs-a", ["a.test"]);
        var b = certificates.Issue("inputs-b", ["b.test"]);

        var (inputs, errors, warnings) = Read(Listener(a, b));

        Assert.Empty(errors);
        Assert.Empty(warnings);
        Assert.Equal(["a.test", "b.test"], inputs.Certificates.Select(c => c.Value.Name));
    }

    [Fact]
    public void Read_EveryProblem_IsOneErrorNamingTheKeyAndTheFile()
    {
        var good = certificates.Issue("inputs-good", ["good.test"]);
        var other = certificates.Issue("inputs-other", ["other.test"]);
        var expired = certificates.IssueWithValidity("inputs-expired", "expired.test", DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddDays(-1));
        var missing = certificates.PathOf("missing.pem");
        var config = Listener(
            good,
            new CertificateFiles(missing, good.Key),
            new CertificateFiles(good.Certificate, other.Key),
            expired);

        var (_, errors, _) = Read(config);

        Assert.Equal(
            [
                $"Edge.Tls.Certificates[1].CertificateFile: \"{missing}\": cannot read: no such file or directory",
                $"Edge.Tls.Certificates[2].KeyFile: \"{other.Key}\": does not match the certificate in \"{good.Certificate}\" (a key of another certificate)",
                $"Edge.Tls.Certificates[3].CertificateFile: \"{expired.Certificate}\": expired on ",
            ],
            errors.Select(e => e.ToString()).Select(e => e.StartsWith("Edge.Tls.Certificates[3]", StringComparison.Ordinal) ? e[..e.IndexOf("expired on ", StringComparison.Ordinal)] + "expired on " : e));
    }

    [Fact]
    public void Read_CertificateExpiringWithinFourteenDays_IsAWarningNotAnError()
    {
        var soon = certificates.IssueWithValidity("inputs-soon", "soon.test", DateTimeOffset.UtcNow.AddDays(-80), DateTimeOffset.UtcNow.AddDays(5).AddHours(1));

        var (inputs, errors, warnings) = Read(Listener(soon));

        Assert.Empty(errors);
        Assert.Single(inputs.Certificates);
        var warning = Assert.Single(warnings);
        Assert.StartsWith($"Edge.Tls.Certificates[0].CertificateFile: \"{soon.Certificate}\": certificate \"soon.test\" expires in 5 days (", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_KeyReadableByEveryone_IsAWarning()
    {
        var open = certificates.Issue("inputs-open", ["open.test"]);
        File.SetUnixFileMode(open.Key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var (_, errors, warnings) = Read(Listener(open));

        Assert.Empty(errors);
        Assert.Equal([$"Edge.Tls.Certificates[0].KeyFile: \"{open.Key}\" can be read by any user (mode 0644): make it 0600, or 0640 for a group the edge is in; it is used anyway"], warnings);
    }

    [Fact]
    public void Read_ClientCaAndUpstreamFiles_AreCheckedUnderTheirOwnKeys()
    {
        var good = certificates.Issue("inputs-listener", ["listener.test"]);
        var garbage = certificates.PathOf("garbage-ca.pem");
        File.WriteAllText(garbage, "nope");
        var edgeClient = certificates.Issue("inputs-edge-client", ["edge-1.internal"], usage: "clientAuth");
        var json = $$"""
            {
              "Edge": { "Listen": ["https://127.0.0.1:8443"], "Admin": { "Listen": "http://127.0.0.1:9901" },
                "Tls": { "Certificates": [ { "CertificateFile": "{{good.Certificate}}", "KeyFile": "{{good.Key}}" } ],
                         "ClientCertificates": { "Mode": "require", "CaFile": "{{garbage}}" } } },
              "Services": { "api": {
                "Regions": [ { "Name": "us-east", "Destinations": ["https://127.0.0.1:9001"] } ],
                "UpstreamTls": { "CaFile": "{{certificates.PathOf("missing-ca.pem")}}", "ClientCertificateFile": "{{edgeClient.Certificate}}", "ClientKeyFile": "{{good.Key}}" } } }
            }
            """;

        var (_, errors, _) = Read(ConfigLoader.Load(json));

        Assert.Equal(
            [
                "Edge.Tls.ClientCertificates.CaFile",
                "Services.api.UpstreamTls.CaFile",
                "Services.api.UpstreamTls.ClientKeyFile",
            ],
            errors.Select(e => e.Path));
    }

    private static (TlsInputs Inputs, List<ConfigError> Errors, List<string> Warnings) Read(EdgeConfig config)
    {
        var errors = new List<ConfigError>();
        var warnings = new List<string>();
        var inputs = TlsInputs.Read(config, new FakeTimeProvider(DateTimeOffset.UtcNow), errors, warnings);
        return (inputs, errors, warnings);
    }

    private static EdgeConfig Listener(params CertificateFiles[] files)
    {
        var entries = string.Join(",\n", files.Select(f => $$"""{ "CertificateFile": "{{f.Certificate}}", "KeyFile": "{{f.Key}}" }"""));
        return ConfigLoader.Load($$"""
            {
              "Edge": { "Listen": ["https://127.0.0.1:8443"], "Admin": { "Listen": "http://127.0.0.1:9901" }, "Tls": { "Certificates": [ {{entries}} ] } },
              "Services": { "api": { "Regions": [ { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001"] } ] } }
            }
            """);
    }
}

using NeuroPilot.Edge.Tests.TestKit;
using NeuroPilot.Edge.Tests.TestKit.Tls;
using Xunit.Abstractions;

namespace NeuroPilot.Edge.Tests.Functional;

/// <summary><c>check</c> and <c>run</c> on TLS files (issue 11: every certificate/key pair checked, expiry within 14 days warned).</summary>
public sealed class TlsCheckCommandTests(TestCertificates certificates, ITestOutputHelper output) : IClassFixture<TestCertificates>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Check_CertificateExpiringInFiveDays_PrintsAWarningAndExitsZero()
    {
        var soon = certificates.IssueWithValidity("check-soon", "soon.test", DateTimeOffset.UtcNow.AddDays(-85), DateTimeOffset.UtcNow.AddDays(5).AddHours(2));
        var path = Write("check-soon.json", Config(soon));

        var result = await EdgeBinary.RunToExitAsync(Deadline, "check", "--config", path);

        output.WriteLine(result.ToString());
        Assert.Equal(0, result.ExitCode);
        var warning = Assert.Single(result.StderrLines);
        Assert.StartsWith($"{path}: warning: Edge.Tls.Certificates[0].CertificateFile: \"{soon.Certificate}\": certificate \"soon.test\" expires in 5 days", warning, StringComparison.Ordinal);
        Assert.Contains("valid", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_BrokenPairs_ExitsTwoWithOneLinePerPairNamingTheKeyAndTheFile()
    {
        var good = certificates.Issue("check-good", ["good.test"]);
        var other = certificates.Issue("check-other", ["other.test"]);
        var expired = certificates.IssueWithValidity("check-expired", "expired.test", DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-3));
        var missing = certificates.PathOf("check-missing.pem");
        var path = Write("check-broken.json", Config(good, new CertificateFiles(good.Certificate, other.Key), expired, new CertificateFiles(missing, good.Key)));

        var result = await EdgeBinary.RunToExitAsync(Deadline, "check", "--config", path);
        var run = await EdgeBinary.RunToExitAsync(Deadline, "run", "--config", path);

        output.WriteLine(result.ToString());
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            [
                $"{path}: Edge.Tls.Certificates[1].KeyFile: \"{other.Key}\": does not match the certificate in \"{good.Certificate}\" (a key of another certificate)",
                $"{path}: Edge.Tls.Certificates[2].CertificateFile: \"{expired.Certificate}\": expired on",
                $"{path}: Edge.Tls.Certificates[3].CertificateFile: \"{missing}\": cannot read: no such file or directory",
            ],
            result.StderrLines.Select(l => l.Contains("expired on", StringComparison.Ordinal) ? l[..(l.IndexOf("expired on", StringComparison.Ordinal) + "expired on".Length)] : l));

        // run refuses to start on the same problems, with the same lines.
        Assert.Equal(2, run.ExitCode);
        Assert.Equal(result.StderrLines, run.StderrLines);
    }

    [Fact]
    public async Task Upstream_HttpsWithoutItsKey_ExitsTwoSayingWhatItNeeds()
    {
        var result = await EdgeBinary.RunToExitAsync(Deadline, "upstream", "--listen", "https://127.0.0.1:1", "--cert", certificates.Ca.Certificate);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("an https:// upstream needs --cert FILE --key FILE", result.Stderr, StringComparison.Ordinal);
    }

    private static string Config(params CertificateFiles[] files)
    {
        var entries = string.Join(",\n", files.Select(f => $$"""{ "CertificateFile": "{{f.Certificate}}", "KeyFile": "{{f.Key}}" }"""));
        return $$"""
            {
              "Edge": { "Listen": ["https://127.0.0.1:{{FreePorts.Next()}}"], "Admin": { "Listen": "http://127.0.0.1:{{FreePorts.Next()}}" },
                        "Tls": { "Certificates": [ {{entries}} ] } },
              "Services": { "api": { "Regions": [ { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001"] } ] } }
            }
            """;
    }

    private string Write(string name, string text)
    {
        var path = certificates.PathOf(name);
        File.WriteAllText(path, text);
        return path;
    }
}

using NeuroPilot.Edge.Tests.TestKit.Tls;
using NeuroPilot.Edge.Tls.Internal;

namespace NeuroPilot.Edge.Tests.Tls.Internal;

/// <summary>PEM files as operators hand them over: chains leaf first, PKCS#8 / PKCS#1 / SEC1 keys, and what goes wrong.</summary>
public sealed class PemCertificateReaderTests(TestCertificates certificates) : IClassFixture<TestCertificates>
{
    private static DateTimeOffset Now => DateTimeOffset.UtcNow;

    [Fact]
    public void LoadPair_FullChainFile_TakesTheLeafWithItsKeyAndKeepsTheIntermediates()
    {
        var intermediate = certificates.CreateIntermediate("chain-intermediate", "NeuroPilot Test Intermediate");
        var leaf = certificates.Issue("chain-leaf", ["chain.test", "*.chain.test"], issuer: intermediate);
        var fullChain = certificates.Concatenate("chain-full.pem", leaf.Certificate, intermediate.Certificate);

        var loaded = Load(fullChain, leaf.Key);

        Assert.True(loaded.Certificate.HasPrivateKey);
        Assert.Equal(leaf.Thumbprint, loaded.Certificate.Thumbprint);
        Assert.Equal(intermediate.Thumbprint, Assert.Single(loaded.Intermediates).Thumbprint);
        Assert.Equal(["chain.test", "*.chain.test"], loaded.DnsNames);
        Assert.Equal("chain.test", loaded.Name);
    }

    [Theory]
    [InlineData("ec")]
    [InlineData("rsa")]
    public void LoadPair_Pkcs8AndTraditionalKeys_AreBothRead(string keyType)
    {
        var leaf = certificates.Issue($"keys-{keyType}", [$"{keyType}.test"], keyType: keyType);
        var traditional = certificates.TraditionalKey(leaf, $"keys-{keyType}-traditional");
        Assert.Contains(keyType == "rsa" ? "BEGIN RSA PRIVATE KEY" : "BEGIN EC PRIVATE KEY", File.ReadAllText(traditional), StringComparison.Ordinal);

        Assert.True(Load(leaf.Certificate, leaf.Key).Certificate.HasPrivateKey);
        Assert.True(Load(leaf.Certificate, traditional).Certificate.HasPrivateKey);
    }

    [Fact]
    public void LoadPair_KeyOfAnotherCertificate_NamesTheKeyFile()
    {
        var a = certificates.Issue("mismatch-a", ["a.test"]);
        var b = certificates.Issue("mismatch-b", ["b.test"]);

        var e = Assert.Throws<FileRejectedException>(() => Load(a.Certificate, b.Key));

        Assert.Equal(b.Key, e.Path);
        Assert.Equal($"does not match the certificate in \"{a.Certificate}\" (a key of another certificate)", e.Message);
    }

    [Fact]
    public void LoadPair_RsaKeyForAnEcCertificate_IsAMismatch()
    {
        var ec = certificates.Issue("kind-ec", ["ec.test"]);
        var rsa = certificates.Issue("kind-rsa", ["rsa.test"], keyType: "rsa");

        Assert.Equal(rsa.Key, Assert.Throws<FileRejectedException>(() => Load(ec.Certificate, rsa.Key)).Path);
    }

    [Fact]
    public void LoadPair_IntermediateBeforeTheLeaf_SaysToPutTheLeafFirst()
    {
        var intermediate = certificates.CreateIntermediate("order-intermediate", "NeuroPilot Order Intermediate");
        var leaf = certificates.Issue("order-leaf", ["order.test"], issuer: intermediate);
        var reversed = certificates.Concatenate("order-reversed.pem", intermediate.Certificate, leaf.Certificate);

        var e = Assert.Throws<FileRejectedException>(() => Load(reversed, leaf.Key));

        Assert.Equal(reversed, e.Path);
        Assert.Contains("belongs to certificate 2 of this file, not the first: put the server's own certificate first", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadPair_Garbage_SaysThereIsNoPemCertificate()
    {
        var leaf = certificates.Issue("garbage", ["garbage.test"]);
        var garbage = certificates.PathOf("garbage-file.pem");
        File.WriteAllText(garbage, "this is not a certificate\n");

        var e = Assert.Throws<FileRejectedException>(() => Load(garbage, leaf.Key));

        Assert.Equal("holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")", e.Message);
    }

    [Fact]
    public void LoadPair_DerFile_SaysItIsNotPem()
    {
        var leaf = certificates.Issue("der", ["der.test"]);
        var der = certificates.PathOf("der-file.der");
        File.WriteAllBytes(der, leaf.LoadCertificate().RawData);

        var e = Assert.Throws<FileRejectedException>(() => Load(der, leaf.Key));

        Assert.StartsWith("is not a PEM text file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadPair_TruncatedCertificate_SaysWhichCertificateIsBroken()
    {
        var leaf = certificates.Issue("truncated", ["truncated.test"]);
        var text = File.ReadAllText(leaf.Certificate);
        var lines = text.Split('\n');
        var truncated = certificates.PathOf("truncated-file.pem");
        File.WriteAllText(truncated, string.Join('\n', lines[0], lines[1], lines[2], lines[^2]) + "\n");

        var e = Assert.Throws<FileRejectedException>(() => Load(truncated, leaf.Key));

        Assert.Equal("certificate 1 is not a valid X.509 certificate", e.Message);
    }

    [Fact]
    public void LoadPair_EncryptedKey_SaysThereIsNoPassphrase()
    {
        var leaf = certificates.Issue("encrypted", ["encrypted.test"]);
        var encrypted = certificates.EncryptedKey(leaf, "encrypted-key");

        var e = Assert.Throws<FileRejectedException>(() => Load(leaf.Certificate, encrypted));

        Assert.Equal(encrypted, e.Path);
        Assert.StartsWith("holds an encrypted private key", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadPair_ExpiredCertificate_SaysWhen()
    {
        var expired = certificates.IssueWithValidity("expired", "expired.test", Now.AddDays(-30), Now.AddDays(-1));

        var e = Assert.Throws<FileRejectedException>(() => Load(expired.Certificate, expired.Key));

        Assert.Equal(expired.Certificate, e.Path);
        Assert.StartsWith("expired on ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadPair_NotYetValidCertificate_SaysFromWhen()
    {
        var future = certificates.IssueWithValidity("future", "future.test", Now.AddDays(2), Now.AddDays(30));

        var e = Assert.Throws<FileRejectedException>(() => Load(future.Certificate, future.Key));

        Assert.StartsWith("is not valid yet: valid from ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadPair_ClientOnlyCertificateOnAListener_SaysItIsNotForServers()
    {
        var client = certificates.Issue("client-only", ["client.test"], usage: "clientAuth");

        var e = Assert.Throws<FileRejectedException>(() => Load(client.Certificate, client.Key));

        Assert.Equal("is not for serverAuth: its Extended Key Usage does not list it", e.Message);
    }

    [Fact]
    public void LoadBundle_TwoCas_ReadsBoth()
    {
        var other = certificates.CreateCa("bundle-other", "NeuroPilot Other CA");
        var bundle = certificates.Concatenate("bundle.pem", certificates.Ca.Certificate, other.Certificate);

        var loaded = PemCertificateReader.LoadBundle(new FileContent(bundle, File.ReadAllBytes(bundle)));

        Assert.Equal(2, loaded.Count);
    }

    private static LoadedCertificate Load(string certificate, string key) =>
        PemCertificateReader.LoadPair(
            new FileContent(certificate, File.ReadAllBytes(certificate)),
            new FileContent(key, File.ReadAllBytes(key)),
            Now,
            PemCertificateReader.ServerAuthentication);
}

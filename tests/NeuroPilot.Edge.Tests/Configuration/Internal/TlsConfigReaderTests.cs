using NeuroPilot.Edge.Configuration;
using static NeuroPilot.Edge.Tests.Configuration.TestConfigs;

namespace NeuroPilot.Edge.Tests.Configuration.Internal;

/// <summary><c>Edge.Tls</c> and <c>Services.NAME.UpstreamTls</c> as <c>check</c> reads them (the files themselves: TlsInputsTests).</summary>
public class TlsConfigReaderTests
{
    private const string HttpsEdge = """
        { "Listen": ["http://0.0.0.0:8080", "https://0.0.0.0:8443"],
          "Tls": { "Certificates": [ { "CertificateFile": "/etc/tls/api.pem", "KeyFile": "/etc/tls/api.key" },
                                     { "CertificateFile": "/etc/tls/www.pem", "KeyFile": "/etc/tls/www.key" } ] } }
        """;

    private const string HttpsRegions = """[ { "Name": "us-east", "Destinations": ["https://10.0.0.1:8443"] } ]""";

    [Fact]
    public void Load_DesignContract_ReadsCertificatesWithDefaults()
    {
        var config = ConfigLoader.Load(Config(edge: HttpsEdge));

        var tls = config.Edge.Tls;
        Assert.Equal(["/etc/tls/api.pem", "/etc/tls/www.pem"], tls.Certificates.Select(c => c.CertificateFile));
        Assert.Equal(["/etc/tls/api.key", "/etc/tls/www.key"], tls.Certificates.Select(c => c.KeyFile));
        Assert.Equal(TlsVersion.Tls12, tls.MinVersion);
        Assert.Equal(ClientCertificateMode.None, tls.ClientCertificates.Mode);
        Assert.Equal(TimeSpan.FromSeconds(10), tls.HandshakeTimeout);
        Assert.Equal([new Uri("http://0.0.0.0:8080"), new Uri("https://0.0.0.0:8443")], config.Edge.Listen);
    }

    [Fact]
    public void Load_NoTlsSection_HasNoCertificates() =>
        Assert.Empty(ConfigLoader.Load(DesignMinimal).Edge.Tls.Certificates);

    [Theory]
    [InlineData("1.3", TlsVersion.Tls13)]
    [InlineData("TLS1.3", TlsVersion.Tls13)]
    [InlineData("1.2", TlsVersion.Tls12)]
    public void Load_MinVersion_IsRead(string text, TlsVersion expected)
    {
        var config = ConfigLoader.Load(Config(edge: HttpsEdge.Replace("\"Tls\": {", $"\"Tls\": {{ \"MinVersion\": \"{text}\",", StringComparison.Ordinal)));

        Assert.Equal(expected, config.Edge.Tls.MinVersion);
    }

    [Fact]
    public void Load_MinVersionTls11_NamesPathAndValue() =>
        AssertSingleError(Config(edge: HttpsEdge.Replace("\"Tls\": {", "\"Tls\": { \"MinVersion\": \"1.1\",", StringComparison.Ordinal)),
            "Edge.Tls.MinVersion", "\"1.1\" is not a TLS version this edge speaks: \"1.2\" or \"1.3\"");

    [Fact]
    public void Load_HttpsListenerWithoutCertificates_NamesTheListener() =>
        AssertSingleError(Config(edge: """{ "Listen": ["https://0.0.0.0:8443"] }"""),
            "Edge.Listen[0]", "\"https://0.0.0.0:8443\" needs a certificate: add Edge.Tls.Certificates");

    [Fact]
    public void Load_CertificatesWithoutHttpsListener_NamesTheCertificates() =>
        AssertSingleError(Config(edge: """{ "Listen": ["http://0.0.0.0:8080"], "Tls": { "Certificates": [ { "CertificateFile": "/a.pem", "KeyFile": "/a.key" } ] } }"""),
            "Edge.Tls.Certificates", "no https:// listener in Edge.Listen serves them");

    [Fact]
    public void Load_CertificateWithoutKeyFile_NamesTheMissingKey() =>
        AssertSingleError(Config(edge: """{ "Listen": ["https://0.0.0.0:8443"], "Tls": { "Certificates": [ { "CertificateFile": "/a.pem" } ] } }"""),
            "Edge.Tls.Certificates[0].KeyFile", "missing: the PEM private key of the certificate");

    [Fact]
    public void Load_CertificateEntryWithATypo_IsAnUnknownKey() =>
        AssertSingleError(Config(edge: """{ "Listen": ["https://0.0.0.0:8443"], "Tls": { "Certificates": [ { "CertificateFile": "/a.pem", "KeyFile": "/a.key", "Keyfile2": "/b" } ] } }"""),
            "Edge.Tls.Certificates[0].Keyfile2", "unknown key");

    [Fact]
    public void Load_EmptyCertificatePath_NamesIt() =>
        AssertSingleError(Config(edge: """{ "Listen": ["https://0.0.0.0:8443"], "Tls": { "Certificates": [ { "CertificateFile": " ", "KeyFile": "/a.key" } ] } }"""),
            "Edge.Tls.Certificates[0].CertificateFile", "is empty: give the path of a PEM file");

    [Fact]
    public void Load_CertificatesNotAnArray_NamesIt() =>
        AssertHasError(Config(edge: """{ "Listen": ["https://0.0.0.0:8443"], "Tls": { "Certificates": { "CertificateFile": "/a.pem" } } }"""),
            "Edge.Tls.Certificates", "is not an array of");

    [Fact]
    public void Load_ClientCertificatesRequired_ReadsModeAndCa()
    {
        var config = ConfigLoader.Load(Config(edge: HttpsEdge.Replace("\"Tls\": {", "\"Tls\": { \"ClientCertificates\": { \"Mode\": \"require\", \"CaFile\": \"/etc/tls/origin-pull-ca.pem\" },", StringComparison.Ordinal)));

        Assert.Equal(ClientCertificateMode.Require, config.Edge.Tls.ClientCertificates.Mode);
        Assert.Equal("/etc/tls/origin-pull-ca.pem", config.Edge.Tls.ClientCertificates.CaFile);
    }

    [Fact]
    public void Load_ClientCertificatesRequiredWithoutCa_NamesCaFile() =>
        AssertSingleError(Config(edge: HttpsEdge.Replace("\"Tls\": {", "\"Tls\": { \"ClientCertificates\": { \"Mode\": \"require\" },", StringComparison.Ordinal)),
            "Edge.Tls.ClientCertificates.CaFile", "missing: Mode \"require\" needs the PEM bundle");

    [Fact]
    public void Load_ClientCaWithModeNone_SaysNothingIsAskedFor() =>
        AssertSingleError(Config(edge: HttpsEdge.Replace("\"Tls\": {", "\"Tls\": { \"ClientCertificates\": { \"CaFile\": \"/ca.pem\" },", StringComparison.Ordinal)),
            "Edge.Tls.ClientCertificates.Mode", "is \"none\" while CaFile is set");

    [Fact]
    public void Load_UpstreamTls_ReadsEveryKey()
    {
        var config = ConfigLoader.Load(Config(regions: HttpsRegions, api: """
            "UpstreamTls": { "CaFile": "/etc/tls/regions-ca.pem", "ClientCertificateFile": "/etc/tls/edge.pem", "ClientKeyFile": "/etc/tls/edge.key", "ServerName": "api.internal.example.com" },
            """));

        Assert.Equal(new UpstreamTlsOptions
        {
            CaFile = "/etc/tls/regions-ca.pem",
            ClientCertificateFile = "/etc/tls/edge.pem",
            ClientKeyFile = "/etc/tls/edge.key",
            ServerName = "api.internal.example.com",
        }, config.Services[0].UpstreamTls);
    }

    [Fact]
    public void Load_NoUpstreamTls_IsNull() => Assert.Null(ConfigLoader.Load(DesignMinimal).Services[0].UpstreamTls);

    [Fact]
    public void Load_UpstreamClientCertificateWithoutKey_NamesTheKey() =>
        AssertSingleError(Config(regions: HttpsRegions, api: """ "UpstreamTls": { "ClientCertificateFile": "/edge.pem" }, """),
            "Services.api.UpstreamTls.ClientKeyFile", "missing: ClientCertificateFile needs the key that goes with it");

    [Theory]
    [InlineData("*.example.com")]
    [InlineData("not a name")]
    public void Load_UpstreamServerNameNotAHostName_NamesIt(string name) =>
        AssertSingleError(Config(regions: HttpsRegions, api: $$""" "UpstreamTls": { "ServerName": "{{name}}" }, """),
            "Services.api.UpstreamTls.ServerName", $"\"{name}\" is not a host name");

    [Fact]
    public void Load_UpstreamTlsWithOnlyHttpDestinations_SaysItAppliesToHttpsOnly() =>
        AssertSingleError(Config(api: """ "UpstreamTls": { "CaFile": "/ca.pem" }, """),
            "Services.api.UpstreamTls", "no destination of this service is https://");

    [Fact]
    public void Load_AdminListenerOverHttps_IsRefused() =>
        AssertSingleError(Config(edge: """{ "Admin": { "Listen": "https://127.0.0.1:9901" } }"""),
            "Edge.Admin.Listen", "\"https://127.0.0.1:9901\" is not an http:// URL");
}

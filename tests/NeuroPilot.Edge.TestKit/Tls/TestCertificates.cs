using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NeuroPilot.Edge.Tests.TestKit.Tls;

/// <summary>
/// Certificates for TLS tests, made with the machine's <c>openssl</c> (OpenSSL 3.0: <c>req -x509 -CA</c> signs a
/// leaf in one command) in a temp folder of their own: a test CA made at construction, and leaves with the DNS and
/// IP names a test asks for, EC P-256 unless told otherwise. Meant as an xunit class fixture, so a test class pays
/// for its CA once. Certificates outside their validity (expired, not yet valid) cannot be made by
/// <c>openssl req</c> 3.0 and are made by .NET's <see cref="CertificateRequest"/> instead.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private static readonly TimeSpan OpensslDeadline = TimeSpan.FromSeconds(30);

    public TestCertificates()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("neuropilot-edge-certs-").FullName;
        Ca = CreateCa("ca", "NeuroPilot Test CA");
    }

    /// <summary>The folder the files are in (deleted on dispose).</summary>
    public string Directory { get; }

    /// <summary>The test CA that signs every leaf unless another issuer is given.</summary>
    public CertificateFiles Ca { get; }

    /// <summary>A full path in <see cref="Directory"/>.</summary>
    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>An intermediate CA signed by <paramref name="issuer"/> (the test CA by default).</summary>
    public CertificateFiles CreateIntermediate(string stem, string commonName, CertificateFiles? issuer = null) =>
        CreateCa(stem, commonName, issuer ?? Ca);

    /// <summary>A CA: self-signed (a root of its own), or an intermediate signed by <paramref name="issuer"/>.</summary>
    public CertificateFiles CreateCa(string stem, string commonName, CertificateFiles? issuer = null)
    {
        var files = new CertificateFiles(PathOf($"{stem}.pem"), PathOf($"{stem}.key"));
        List<string> args =
        [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", files.Key, "-out", files.Certificate,
            "-days", "365", "-subj", $"/CN={commonName}",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ];
        if (issuer is not null)
        {
            args.AddRange(["-CA", issuer.Certificate, "-CAkey", issuer.Key]);
        }

        Openssl(args);
        return files;
    }

    /// <summary>
    /// A leaf for <paramref name="dnsNames"/> (the first is its common name) and <paramref name="ipAddresses"/>,
    /// signed by <paramref name="issuer"/> (the test CA by default), good for <paramref name="usage"/>.
    /// <paramref name="keyType"/> is <c>ec</c> (P-256) or <c>rsa</c> (2048 bits).
    /// </summary>
    public CertificateFiles Issue(string stem, IReadOnlyList<string> dnsNames, CertificateFiles? issuer = null,
        IReadOnlyList<string>? ipAddresses = null, int days = 30, string usage = "serverAuth,clientAuth", string keyType = "ec")
    {
        issuer ??= Ca;
        var files = new CertificateFiles(PathOf($"{stem}.pem"), PathOf($"{stem}.key"));
        var names = string.Join(',', dnsNames.Select(n => $"DNS:{n}").Concat((ipAddresses ?? []).Select(ip => $"IP:{ip}")));
        List<string> args = ["req", "-x509", "-nodes", "-keyout", files.Key, "-out", files.Certificate, "-days", days.ToString(CultureInfo.InvariantCulture)];
        args.AddRange(keyType == "rsa" ? ["-newkey", "rsa:2048"] : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]);
        args.AddRange(["-subj", $"/CN={(dnsNames.Count > 0 ? dnsNames[0] : stem)}", "-addext", "basicConstraints=critical,CA:FALSE", "-addext", $"extendedKeyUsage={usage}"]);
        if (names.Length > 0)
        {
            args.AddRange(["-addext", $"subjectAltName={names}"]);
        }

        args.AddRange(["-CA", issuer.Certificate, "-CAkey", issuer.Key]);
        Openssl(args);
        return files;
    }

    /// <summary>The key of <paramref name="files"/> rewritten in OpenSSL's traditional form (<c>RSA PRIVATE KEY</c> / <c>EC PRIVATE KEY</c>).</summary>
    public string TraditionalKey(CertificateFiles files, string stem)
    {
        var path = PathOf($"{stem}.key");
        Openssl(["pkey", "-in", files.Key, "-traditional", "-out", path]);
        return path;
    }

    /// <summary>The key of <paramref name="files"/>, encrypted with a passphrase (PKCS#8 <c>ENCRYPTED PRIVATE KEY</c>).</summary>
    public string EncryptedKey(CertificateFiles files, string stem)
    {
        var path = PathOf($"{stem}.key");
        Openssl(["pkcs8", "-topk8", "-in", files.Key, "-out", path, "-passout", "pass:secret"]);
        return path;
    }

    /// <summary>
    /// A leaf valid only from <paramref name="notBefore"/> to <paramref name="notAfter"/> (in the past or the future:
    /// what <c>openssl req</c> 3.0 cannot make), signed by <paramref name="issuer"/> (the test CA by default).
    /// </summary>
    public CertificateFiles IssueWithValidity(string stem, string dnsName, DateTimeOffset notBefore, DateTimeOffset notAfter, CertificateFiles? issuer = null)
    {
        issuer ??= Ca;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dnsName);
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var issuerCertificate = issuer.LoadWithKey();
        using var issuerKey = issuerCertificate.GetECDsaPrivateKey()!;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var certificate = request.Create(issuerCertificate.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), notBefore, notAfter, serial);
        var files = new CertificateFiles(PathOf($"{stem}.pem"), PathOf($"{stem}.key"));
        File.WriteAllText(files.Certificate, certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(files.Key, key.ExportPkcs8PrivateKeyPem() + "\n");
        if (!OperatingSystem.IsWindows())
        {
            // As openssl writes its keys.
            File.SetUnixFileMode(files.Key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return files;
    }

    /// <summary>Writes <paramref name="parts"/> (PEM files) one after the other into a new file: a chain file.</summary>
    public string Concatenate(string name, params string[] parts)
    {
        var path = PathOf(name);
        File.WriteAllText(path, string.Concat(parts.Select(File.ReadAllText)));
        return path;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }

    private static void Openssl(IReadOnlyList<string> args)
    {
        var info = new ProcessStartInfo("openssl")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("openssl did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(OpensslDeadline))
        {
            process.Kill();
            throw new TimeoutException($"openssl {string.Join(' ', args)} ran longer than {OpensslDeadline}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', args)} exited {process.ExitCode}: {stderr.Result}{stdout.Result}");
        }
    }
}

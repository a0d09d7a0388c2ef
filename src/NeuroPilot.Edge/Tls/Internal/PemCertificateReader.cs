using System.Formats.Asn1;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace NeuroPilot.Edge.Tls.Internal;

/// <summary>
/// Reads PEM certificates and keys the way an operator writes them: a certificate file with the leaf first and its
/// intermediates after it (certbot's <c>fullchain.pem</c>, cert-manager's <c>tls.crt</c>), a key file with a PKCS#8
/// (<c>PRIVATE KEY</c>), PKCS#1 (<c>RSA PRIVATE KEY</c>) or SEC1 (<c>EC PRIVATE KEY</c>) key. Every refusal is a
/// <see cref="FileRejectedException"/> naming the file at fault and the reason in words, so <c>check</c>, the log and
/// the reload metric all say the same thing.
/// </summary>
internal static class PemCertificateReader
{
    /// <summary>serverAuth: what a listener certificate must be good for when it lists its uses at all.</summary>
    public static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1", "serverAuth");

    /// <summary>clientAuth: what a client certificate must be good for when it lists its uses at all.</summary>
    public static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "clientAuth");

    /// <summary>How far in the future a certificate's start may be and still be taken (clock skew against its CA).</summary>
    public static readonly TimeSpan NotBeforeTolerance = TimeSpan.FromMinutes(5);

    private const string RsaAlgorithm = "1.2.840.113549.1.1.1";
    private const string EcAlgorithm = "1.2.840.10045.2.1";

    /// <summary>
    /// The certificate of <paramref name="certificateFile"/> with the key of <paramref name="keyFile"/>: both parse,
    /// the key is the certificate's, it is valid at <paramref name="now"/> and, when it lists its uses, good for
    /// <paramref name="purpose"/>.
    /// </summary>
    /// <exception cref="FileRejectedException">Anything that makes the pair unusable.</exception>
    public static LoadedCertificate LoadPair(FileContent certificateFile, FileContent keyFile, DateTimeOffset now, Oid purpose)
    {
        var chain = ReadCertificates(certificateFile);
        var leaf = chain[0];
        var key = ReadKey(keyFile, leaf, certificateFile.Path, chain);
        var withKey = key switch
        {
            RSA rsa => leaf.CopyWithPrivateKey(rsa),
            ECDsa ecdsa => leaf.CopyWithPrivateKey(ecdsa),
            _ => throw new FileRejectedException(keyFile.Path, "holds a key of a kind this edge cannot use (RSA or EC only)"),
        };
        key.Dispose();

        CheckDates(certificateFile.Path, leaf, now);
        if (UsageProblem(leaf, purpose) is { } usage)
        {
            throw new FileRejectedException(certificateFile.Path, usage);
        }

        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < chain.Count; i++)
        {
            intermediates.Add(chain[i]);
        }

        var names = DnsNames(leaf);
        var commonName = leaf.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return new LoadedCertificate
        {
            Certificate = withKey,
            Intermediates = intermediates,
            DnsNames = names,
            Name = names.Count > 0 ? names[0] : commonName is { Length: > 0 } ? commonName : Path.GetFileName(certificateFile.Path),
        };
    }

    /// <summary>Every certificate of a PEM bundle (the CAs that clients or destinations must chain to).</summary>
    /// <exception cref="FileRejectedException">No certificate in it, or one that does not parse.</exception>
    public static X509Certificate2Collection LoadBundle(FileContent file)
    {
        var collection = new X509Certificate2Collection();
        foreach (var certificate in ReadCertificates(file))
        {
            collection.Add(certificate);
        }

        return collection;
    }

    /// <summary>The DNS names of <paramref name="certificate"/>'s subjectAltName extension, lower case, in order.</summary>
    public static IReadOnlyList<string> DnsNames(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != "2.5.29.17")
            {
                continue;
            }

            try
            {
                foreach (var name in new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical).EnumerateDnsNames())
                {
                    names.Add(name.ToLowerInvariant());
                }
            }
            catch (CryptographicException)
            {
                // A malformed SAN names nothing; SNI then falls back to the first certificate.
            }
        }

        return names;
    }

    /// <summary>Null when <paramref name="certificate"/> lists no uses or lists <paramref name="purpose"/>; else why not.</summary>
    public static string? UsageProblem(X509Certificate2 certificate, Oid purpose)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != "2.5.29.37")
            {
                continue;
            }

            var usages = new X509EnhancedKeyUsageExtension(extension, extension.Critical).EnhancedKeyUsages;
            foreach (var usage in usages)
            {
                if (usage.Value == purpose.Value || usage.Value == "2.5.29.37.0")
                {
                    return null;
                }
            }

            return $"is not for {purpose.FriendlyName}: its Extended Key Usage does not list it";
        }

        return null;
    }

    private static List<X509Certificate2> ReadCertificates(FileContent file)
    {
        var text = Text(file);
        var certificates = new List<X509Certificate2>();
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label];
            if (label.SequenceEqual("CERTIFICATE"))
            {
                var der = new byte[fields.DecodedDataLength];
                if (!Convert.TryFromBase64Chars(rest[fields.Base64Data], der, out var written))
                {
                    throw new FileRejectedException(file.Path, $"certificate {certificates.Count + 1} is not valid base64");
                }

                try
                {
                    certificates.Add(X509CertificateLoader.LoadCertificate(der.AsSpan(0, written)));
                }
                catch (CryptographicException)
                {
                    throw new FileRejectedException(file.Path, $"certificate {certificates.Count + 1} is not a valid X.509 certificate");
                }
            }

            rest = rest[fields.Location.End..];
        }

        if (certificates.Count == 0)
        {
            throw new FileRejectedException(file.Path, "holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")");
        }

        return certificates;
    }

    private static AsymmetricAlgorithm ReadKey(FileContent file, X509Certificate2 leaf, string certificatePath, List<X509Certificate2> chain)
    {
        var text = Text(file);
        if (text.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal))
        {
            throw new FileRejectedException(file.Path, "holds an encrypted private key: the edge has no passphrase, give it an unencrypted key (0600)");
        }

        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label].ToString();
            var base64 = rest[fields.Base64Data];
            rest = rest[fields.Location.End..];
            if (label is "ENCRYPTED PRIVATE KEY")
            {
                throw new FileRejectedException(file.Path, "holds an encrypted private key: the edge has no passphrase, give it an unencrypted key (0600)");
            }

            if (label is not ("PRIVATE KEY" or "RSA PRIVATE KEY" or "EC PRIVATE KEY"))
            {
                continue;
            }

            var der = new byte[fields.DecodedDataLength];
            if (!Convert.TryFromBase64Chars(base64, der, out var written))
            {
                throw new FileRejectedException(file.Path, "the private key is not valid base64");
            }

            var key = Import(file.Path, label, der.AsSpan(0, written));
            if (Matches(key, leaf))
            {
                return key;
            }

            for (var i = 1; i < chain.Count; i++)
            {
                if (Matches(key, chain[i]))
                {
                    key.Dispose();
                    throw new FileRejectedException(certificatePath,
                        $"the key in \"{file.Path}\" belongs to certificate {i + 1} of this file, not the first: put the server's own certificate first (leaf, then intermediates)");
                }
            }

            key.Dispose();
            throw new FileRejectedException(file.Path, $"does not match the certificate in \"{certificatePath}\" (a key of another certificate)");
        }

        throw new FileRejectedException(file.Path, "holds no PEM private key (\"-----BEGIN PRIVATE KEY-----\", RSA or EC)");
    }

    private static AsymmetricAlgorithm Import(string path, string label, ReadOnlySpan<byte> der)
    {
        try
        {
            switch (label)
            {
                case "RSA PRIVATE KEY":
                    var rsa = RSA.Create();
                    rsa.ImportRSAPrivateKey(der, out _);
                    return rsa;
                case "EC PRIVATE KEY":
                    var ec = ECDsa.Create();
                    ec.ImportECPrivateKey(der, out _);
                    return ec;
                default:
                    var algorithm = PrivateKeyAlgorithm(der);
                    if (algorithm == RsaAlgorithm)
                    {
                        var pkcs8Rsa = RSA.Create();
                        pkcs8Rsa.ImportPkcs8PrivateKey(der, out _);
                        return pkcs8Rsa;
                    }

                    if (algorithm == EcAlgorithm)
                    {
                        var pkcs8Ec = ECDsa.Create();
                        pkcs8Ec.ImportPkcs8PrivateKey(der, out _);
                        return pkcs8Ec;
                    }

                    throw new FileRejectedException(path, $"holds a private key of algorithm {algorithm}: only RSA and EC keys are supported");
            }
        }
        catch (CryptographicException)
        {
            throw new FileRejectedException(path, $"the {label} block cannot be read as a private key");
        }
        catch (AsnContentException)
        {
            throw new FileRejectedException(path, $"the {label} block cannot be read as a private key");
        }
    }

    /// <summary>The algorithm OID of a PKCS#8 PrivateKeyInfo: SEQUENCE { version, SEQUENCE { algorithm, ... }, ... }.</summary>
    private static string PrivateKeyAlgorithm(ReadOnlySpan<byte> der)
    {
        var reader = new AsnReader(der.ToArray(), AsnEncodingRules.BER);
        var info = reader.ReadSequence();
        info.ReadInteger();
        var algorithm = info.ReadSequence();
        return algorithm.ReadObjectIdentifier();
    }

    private static bool Matches(AsymmetricAlgorithm key, X509Certificate2 certificate)
    {
        var algorithm = certificate.GetKeyAlgorithm();
        if (key is RSA rsa && algorithm == RsaAlgorithm && certificate.GetRSAPublicKey() is { } certificateRsa)
        {
            using (certificateRsa)
            {
                var a = rsa.ExportParameters(includePrivateParameters: false);
                var b = certificateRsa.ExportParameters(includePrivateParameters: false);
                return a.Modulus.AsSpan().SequenceEqual(b.Modulus) && a.Exponent.AsSpan().SequenceEqual(b.Exponent);
            }
        }

        if (key is ECDsa ecdsa && algorithm == EcAlgorithm && certificate.GetECDsaPublicKey() is { } certificateEc)
        {
            using (certificateEc)
            {
                var a = ecdsa.ExportParameters(includePrivateParameters: false);
                var b = certificateEc.ExportParameters(includePrivateParameters: false);
                return a.Q.X.AsSpan().SequenceEqual(b.Q.X) && a.Q.Y.AsSpan().SequenceEqual(b.Q.Y);
            }
        }

        return false;
    }

    private static void CheckDates(string path, X509Certificate2 leaf, DateTimeOffset now)
    {
        var notBefore = new DateTimeOffset(leaf.NotBefore.ToUniversalTime());
        var notAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime());
        // A certificate issued this second by a CA whose clock runs a little ahead is a renewal, not a broken file.
        if (now + NotBeforeTolerance < notBefore)
        {
            throw new FileRejectedException(path, $"is not valid yet: valid from {Show(notBefore)} (clock now {Show(now)})");
        }

        if (now >= notAfter)
        {
            throw new FileRejectedException(path, $"expired on {Show(notAfter)}");
        }
    }

    private static string Text(FileContent file)
    {
        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(file.Bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new FileRejectedException(file.Path, "is not a PEM text file (it holds bytes that are not UTF-8: DER or PKCS#12? convert it with openssl to PEM)");
        }
    }

    internal static string Show(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}

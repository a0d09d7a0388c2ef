using System.Security.Cryptography.X509Certificates;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Tls.Internal;

namespace NeuroPilot.Edge.Tls;

/// <summary>
/// The TLS files of a config, read and checked at start-up and by <c>check</c>: every listener certificate with its
/// key (readable, PEM, the key is the certificate's, in date, good for servers), the client CA bundle, and each
/// service's <c>UpstreamTls</c> files. A problem is a <see cref="ConfigError"/> naming the key and the file
/// (<c>Edge.Tls.Certificates[0].KeyFile: "/etc/x.key": does not match the certificate in "/etc/x.pem"</c>); a
/// certificate that expires within <see cref="TlsDefaults.ExpiryWarning"/>, or a private key that anyone may read,
/// is a warning. <c>run</c> starts its listeners from the files read here.
/// </summary>
public sealed class TlsInputs
{
    private const int MaxFileBytes = 1024 * 1024;
    private const UnixFileMode OthersMayRead = UnixFileMode.OtherRead;

    private TlsInputs(IReadOnlyList<(LoadedCertificate, byte[])> certificates, (X509Certificate2Collection, byte[])? clientCa)
    {
        Certificates = certificates;
        ClientCa = clientCa;
    }

    /// <summary>No TLS at all (a config without https listeners).</summary>
    public static TlsInputs None { get; } = new([], null);

    /// <summary>The listener certificates as loaded, in config order, each with the hash of its files.</summary>
    internal IReadOnlyList<(LoadedCertificate Value, byte[] Hash)> Certificates { get; }

    internal (X509Certificate2Collection Value, byte[] Hash)? ClientCa { get; }

    /// <summary>Reads and checks every TLS file of <paramref name="config"/>, adding each problem to <paramref name="errors"/>.</summary>
    public static TlsInputs Read(EdgeConfig config, TimeProvider time, List<ConfigError> errors, List<string> warnings)
    {
        var now = time.GetUtcNow();
        var tls = config.Edge.Tls;
        var certificates = new List<(LoadedCertificate, byte[])>();
        for (var i = 0; i < tls.Certificates.Count; i++)
        {
            var entry = tls.Certificates[i];
            var path = $"Edge.Tls.Certificates[{i}]";
            if (LoadPair(path, "CertificateFile", entry.CertificateFile, "KeyFile", entry.KeyFile, PemCertificateReader.ServerAuthentication, now, errors, warnings) is { } loaded)
            {
                certificates.Add(loaded);
            }
        }

        (X509Certificate2Collection, byte[])? clientCa = null;
        if (tls.ClientCertificates is { Mode: ClientCertificateMode.Require, CaFile: { } caFile })
        {
            clientCa = LoadBundle("Edge.Tls.ClientCertificates.CaFile", caFile, errors);
        }

        var checkedUpstream = new HashSet<UpstreamTlsOptions>();
        foreach (var service in config.Services)
        {
            if (service.UpstreamTls is not { } upstream || !checkedUpstream.Add(upstream))
            {
                continue;
            }

            var path = $"Services.{service.Name}.UpstreamTls";
            if (upstream.CaFile is { } upstreamCa)
            {
                LoadBundle($"{path}.CaFile", upstreamCa, errors);
            }

            if (upstream is { ClientCertificateFile: { } clientCertificate, ClientKeyFile: { } clientKey })
            {
                LoadPair(path, "ClientCertificateFile", clientCertificate, "ClientKeyFile", clientKey, PemCertificateReader.ClientAuthentication, now, errors, warnings);
            }
        }

        return new TlsInputs(certificates, clientCa);
    }

    /// <summary>Parses a certificate file and its key file (in that order) as <see cref="ReloadableFile{T}"/> reads them.</summary>
    internal static Func<IReadOnlyList<FileContent>, LoadedCertificate> PairParser(System.Security.Cryptography.Oid purpose, TimeProvider time) =>
        contents => PemCertificateReader.LoadPair(contents[0], contents[1], time.GetUtcNow(), purpose);

    internal static X509Certificate2Collection ParseBundle(IReadOnlyList<FileContent> contents) => PemCertificateReader.LoadBundle(contents[0]);

    /// <summary>How a certificate is named in logs: its names and when it expires.</summary>
    internal static string Describe(LoadedCertificate certificate) =>
        $"\"{certificate.Name}\" ({(certificate.DnsNames.Count == 0 ? "no DNS names" : string.Join(", ", certificate.DnsNames))}), valid until {PemCertificateReader.Show(certificate.NotAfter)}";

    private static (LoadedCertificate, byte[])? LoadPair(string path, string certificateKey, string certificateFile, string keyKey, string keyFile,
        System.Security.Cryptography.Oid purpose, DateTimeOffset now, List<ConfigError> errors, List<string> warnings)
    {
        try
        {
            var loaded = ReloadableFile<LoadedCertificate>.Load([certificateFile, keyFile], contents => PemCertificateReader.LoadPair(contents[0], contents[1], now, purpose), MaxFileBytes);
            var left = loaded.Value.NotAfter - now;
            if (left < TlsDefaults.ExpiryWarning)
            {
                warnings.Add($"{path}.{certificateKey}: \"{certificateFile}\": certificate \"{loaded.Value.Name}\" expires in {Days(left)} ({PemCertificateReader.Show(loaded.Value.NotAfter)}): renew it");
            }

            if (OthersCanRead(keyFile) is { } mode)
            {
                warnings.Add($"{path}.{keyKey}: \"{keyFile}\" can be read by any user (mode {mode}): make it 0600, or 0640 for a group the edge is in; it is used anyway");
            }

            return loaded;
        }
        catch (FileRejectedException e)
        {
            var key = e.Path == keyFile && e.Path != certificateFile ? keyKey : certificateKey;
            errors.Add(new ConfigError($"{path}.{key}", $"\"{e.Path}\": {e.Message}"));
            return null;
        }
    }

    internal static (X509Certificate2Collection, byte[])? LoadBundle(string path, string file, List<ConfigError> errors)
    {
        try
        {
            return ReloadableFile<X509Certificate2Collection>.Load([file], ParseBundle, MaxFileBytes);
        }
        catch (FileRejectedException e)
        {
            errors.Add(new ConfigError(path, $"\"{e.Path}\": {e.Message}"));
            return null;
        }
    }

    private static string? OthersCanRead(string file)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        try
        {
            var mode = File.GetUnixFileMode(file);
            return (mode & OthersMayRead) != 0 ? Convert.ToString((int)mode & 0xFFF, 8).PadLeft(4, '0') : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Days(TimeSpan left) => (int)left.TotalDays switch
    {
        0 => (int)left.TotalHours == 1 ? "1 hour" : $"{Math.Max(0, (int)left.TotalHours)} hours",
        1 => "1 day",
        var days => $"{days} days",
    };
}

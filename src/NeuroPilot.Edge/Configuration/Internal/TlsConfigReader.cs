using System.Text.Json;

namespace NeuroPilot.Edge.Configuration.Internal;

/// <summary>
/// Reads <c>Edge.Tls</c> and <c>Services.NAME.UpstreamTls</c>. Only the shape is checked here; whether the files can
/// be read, parse, match and are in date is checked at start-up and by <c>check</c> (<see cref="Tls.TlsInputs"/>),
/// and the rules between keys (an https listener needs a certificate) by <see cref="ConfigValidator"/>.
/// </summary>
internal static class TlsConfigReader
{
    public static TlsOptions ReadEdge(ConfigReader parent)
    {
        if (parent.Object("Tls") is not { } reader)
        {
            return new TlsOptions();
        }

        var certificates = new List<CertificateFileOptions>();
        if (reader.TryGet("Certificates", out var list))
        {
            if (list.ValueKind != JsonValueKind.Array)
            {
                reader.Error("Certificates", $"{ConfigReader.Show(list)} is not an array of {{ \"CertificateFile\": \"...\", \"KeyFile\": \"...\" }}");
            }
            else
            {
                var index = 0;
                foreach (var item in list.EnumerateArray())
                {
                    if (reader.Item($"{reader.Child("Certificates")}[{index++}]", item) is { } certificateReader)
                    {
                        certificates.Add(new CertificateFileOptions
                        {
                            CertificateFile = RequiredPath(certificateReader, "CertificateFile", "the PEM certificate (leaf first, then intermediates)"),
                            KeyFile = RequiredPath(certificateReader, "KeyFile", "the PEM private key of the certificate"),
                        });
                        certificateReader.RejectUnknownKeys();
                    }
                }
            }
        }

        var options = new TlsOptions
        {
            Certificates = certificates,
            MinVersion = ReadMinVersion(reader),
            ClientCertificates = reader.Object("ClientCertificates") is { } clientReader ? ReadClientCertificates(clientReader) : new ClientCertificateOptions(),
            HandshakeTimeout = reader.Duration("HandshakeTimeout", TlsDefaults.HandshakeTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)),
        };
        reader.RejectUnknownKeys();
        return options;
    }

    /// <summary>Null when the service has no <c>UpstreamTls</c> section.</summary>
    public static UpstreamTlsOptions? ReadUpstream(ConfigReader parent)
    {
        if (parent.Object("UpstreamTls") is not { } reader)
        {
            return null;
        }

        var options = new UpstreamTlsOptions
        {
            CaFile = OptionalPath(reader, "CaFile"),
            ClientCertificateFile = OptionalPath(reader, "ClientCertificateFile"),
            ClientKeyFile = OptionalPath(reader, "ClientKeyFile"),
            ServerName = reader.String("ServerName"),
        };
        if (options.ClientCertificateFile is not null && options.ClientKeyFile is null)
        {
            reader.Error("ClientKeyFile", "missing: ClientCertificateFile needs the key that goes with it");
        }
        else if (options.ClientKeyFile is not null && options.ClientCertificateFile is null)
        {
            reader.Error("ClientCertificateFile", "missing: ClientKeyFile needs the certificate that goes with it");
        }

        if (options.ServerName is { } name && (name.StartsWith("*.", StringComparison.Ordinal) || Uri.CheckHostName(name) is not (UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6)))
        {
            reader.Error("ServerName", $"\"{name}\" is not a host name (the name the destinations' certificates carry, such as \"api.internal.example.com\")");
        }

        reader.RejectUnknownKeys();
        return options;
    }

    private static TlsVersion ReadMinVersion(ConfigReader reader)
    {
        var text = reader.String("MinVersion");
        switch (text?.ToLowerInvariant())
        {
            case null or "1.2" or "tls1.2" or "tls12":
                return TlsVersion.Tls12;
            case "1.3" or "tls1.3" or "tls13":
                return TlsVersion.Tls13;
            default:
                reader.Error("MinVersion", $"\"{text}\" is not a TLS version this edge speaks: \"1.2\" or \"1.3\"");
                return TlsVersion.Tls12;
        }
    }

    private static ClientCertificateOptions ReadClientCertificates(ConfigReader reader)
    {
        var options = new ClientCertificateOptions
        {
            Mode = reader.Enum("Mode", ClientCertificateMode.None),
            CaFile = OptionalPath(reader, "CaFile"),
        };
        if (options.Mode == ClientCertificateMode.Require && options.CaFile is null && !reader.Has("CaFile"))
        {
            reader.Error("CaFile", "missing: Mode \"require\" needs the PEM bundle of the CAs that client certificates must chain to");
        }
        else if (options.Mode == ClientCertificateMode.None && options.CaFile is not null)
        {
            reader.Error("Mode", "is \"none\" while CaFile is set: write \"require\" to ask clients for a certificate, or remove CaFile");
        }

        reader.RejectUnknownKeys();
        return options;
    }

    private static string RequiredPath(ConfigReader reader, string key, string what)
    {
        if (!reader.Has(key))
        {
            reader.Error(key, $"missing: {what}");
            return "";
        }

        return OptionalPath(reader, key) ?? "";
    }

    private static string? OptionalPath(ConfigReader reader, string key)
    {
        var path = reader.String(key);
        if (path is not null && path.Trim().Length == 0)
        {
            reader.Error(key, "is empty: give the path of a PEM file");
            return null;
        }

        if (path is not null && path.Contains('\0', StringComparison.Ordinal))
        {
            reader.Error(key, "holds a NUL character, which no file path can");
            return null;
        }

        return path;
    }
}

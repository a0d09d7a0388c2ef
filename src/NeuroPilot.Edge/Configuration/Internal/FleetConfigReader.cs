using System.Text.Json;

namespace NeuroPilot.Edge.Configuration.Internal;

/// <summary>
/// Reads the <c>Fleet</c> section. Only the shape is checked here; whether the password and the CA bundle can be
/// read is checked at start-up and by <c>check</c> (<see cref="Hosting.StartupInputs"/>).
/// </summary>
internal static class FleetConfigReader
{
    public static FleetOptions Read(ConfigReader reader) => Read(reader, Environment.MachineName);

    /// <summary>As <see cref="Read(ConfigReader)"/>, with the host name that an unwritten <c>EdgeId</c> defaults to.</summary>
    public static FleetOptions Read(ConfigReader reader, string hostName)
    {
        EtcdOptions? etcd = null;
        if (reader.Object("Etcd") is { } etcdReader)
        {
            etcd = ReadEtcd(etcdReader);
        }
        else if (!reader.Has("Etcd"))
        {
            reader.Error("Etcd", "missing: the etcd endpoints the fleet coordinates through ({ \"Endpoints\": [\"http://127.0.0.1:2379\"] })");
        }

        var options = new FleetOptions
        {
            Etcd = etcd ?? new EtcdOptions { Endpoints = [] },
            Prefix = ReadPrefix(reader),
            EdgeId = ReadEdgeId(reader, hostName),
            LeaseTtl = ReadLeaseTtl(reader),
            DnsQuorum = ReadQuorum(reader),
        };
        reader.RejectUnknownKeys();
        return options;
    }

    private static EtcdOptions ReadEtcd(ConfigReader reader)
    {
        var endpoints = ReadEndpoints(reader);
        if (reader.Has("Password"))
        {
            _ = reader.TryGet("Password", out _);
            reader.Error("Password", "a password is never written in the config: name a file (PasswordFile) or an environment variable (PasswordEnv) that holds it");
        }

        var options = new EtcdOptions
        {
            Endpoints = endpoints,
            Username = NonEmpty(reader, "Username", "the etcd user name"),
            PasswordFile = NonEmpty(reader, "PasswordFile", "the path of the file holding the password"),
            PasswordEnv = ReadVariableName(reader),
            CaFile = NonEmpty(reader, "CaFile", "the path of a PEM bundle of CA certificates"),
        };
        CheckCredentials(reader, options);
        if (options.CaFile is not null && endpoints.Any(e => e.Scheme == Uri.UriSchemeHttp))
        {
            reader.Error("CaFile", "is set while the endpoints use http: write https:// endpoints to talk TLS to etcd, or remove CaFile");
        }

        reader.RejectUnknownKeys();
        return options;
    }

    private static List<Uri> ReadEndpoints(ConfigReader reader)
    {
        var endpoints = new List<Uri>();
        if (reader.Strings("Endpoints") is not { } items)
        {
            if (!reader.Has("Endpoints"))
            {
                reader.Error("Endpoints", "missing: list etcd's client URLs ([\"http://127.0.0.1:2379\"])");
            }

            return endpoints;
        }

        if (items.Count == 0)
        {
            reader.Error("Endpoints", "is empty: list etcd's client URLs ([\"http://127.0.0.1:2379\"])");
        }

        foreach (var (path, value) in items)
        {
            if (Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.AbsolutePath == "/" &&
                string.IsNullOrEmpty(url.Query) && string.IsNullOrEmpty(url.Fragment) && string.IsNullOrEmpty(url.UserInfo))
            {
                endpoints.Add(url);
            }
            else
            {
                reader.AddError(path, $"\"{value}\" is not an http or https URL of an etcd member (scheme, host and port only: \"http://127.0.0.1:2379\")");
            }
        }

        if (endpoints.Select(e => e.Scheme).Distinct().Count() > 1)
        {
            reader.Error("Endpoints", "mixes http and https: etcd's members all speak TLS or none does");
        }

        return endpoints;
    }

    private static void CheckCredentials(ConfigReader reader, EtcdOptions options)
    {
        var hasPassword = options.PasswordFile is not null || options.PasswordEnv is not null;
        if (options.PasswordFile is not null && options.PasswordEnv is not null)
        {
            reader.Error("PasswordEnv", $"\"{options.PasswordEnv}\" is set as well as PasswordFile: name one place for the password");
        }

        if (options.Username is not null && !hasPassword && !reader.Has("PasswordFile") && !reader.Has("PasswordEnv"))
        {
            reader.Error("Username", $"\"{options.Username}\" has no password: name a file (PasswordFile) or an environment variable (PasswordEnv) that holds it");
        }
        else if (options.Username is null && hasPassword && !reader.Has("Username"))
        {
            reader.Error("Username", "missing: a password is named (PasswordFile or PasswordEnv) but no user");
        }
    }

    private static string? ReadVariableName(ConfigReader reader)
    {
        var name = reader.String("PasswordEnv");
        if (name is null)
        {
            return null;
        }

        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_') || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            reader.Error("PasswordEnv", $"\"{name}\" is not an environment variable name (letters, digits and '_', not starting with a digit)");
            return null;
        }

        return name;
    }

    private static string? NonEmpty(ConfigReader reader, string key, string what)
    {
        var value = reader.String(key);
        if (value is not null && (value.Trim().Length == 0 || value.Contains('\0', StringComparison.Ordinal)))
        {
            reader.Error(key, value.Contains('\0', StringComparison.Ordinal) ? $"holds a NUL character: it is not {what}" : $"is empty: give {what}");
            return null;
        }

        return value;
    }

    private static string ReadPrefix(ConfigReader reader)
    {
        var prefix = reader.String("Prefix");
        if (prefix is null)
        {
            return FleetDefaults.Prefix;
        }

        if (prefix.Length < 2 || !prefix.StartsWith('/') || !prefix.EndsWith('/') || prefix.Contains("//", StringComparison.Ordinal) ||
            prefix.Any(char.IsControl))
        {
            reader.Error("Prefix", $"\"{prefix}\" is not a key prefix: it starts and ends with '/' (\"/neuropilot-edge/\")");
            return FleetDefaults.Prefix;
        }

        return prefix;
    }

    private static string ReadEdgeId(ConfigReader reader, string hostName)
    {
        if (reader.String("EdgeId") is { } written)
        {
            if (!IsEdgeId(written))
            {
                reader.Error("EdgeId", $"\"{written}\" is not an edge id (1 to {FleetDefaults.MaxEdgeIdLength} of a-z, 0-9, '-', '_', '.')");
            }

            return written;
        }

        var fromHost = hostName.ToLowerInvariant();
        if (!reader.Has("EdgeId") && !IsEdgeId(fromHost))
        {
            reader.Error("EdgeId", $"missing, and the host name \"{hostName}\" is not an edge id (1 to {FleetDefaults.MaxEdgeIdLength} of a-z, 0-9, '-', '_', '.'): write one");
        }

        return fromHost;
    }

    public static bool IsEdgeId(string id) =>
        id.Length is > 0 and <= FleetDefaults.MaxEdgeIdLength && id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.');

    private static TimeSpan ReadLeaseTtl(ConfigReader reader)
    {
        var ttl = reader.Duration("LeaseTtl", FleetDefaults.LeaseTtl, FleetDefaults.MinLeaseTtl, FleetDefaults.MaxLeaseTtl);
        if (ttl.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            reader.Error("LeaseTtl", $"\"{reader.String("LeaseTtl")}\" is not a whole number of seconds (etcd grants leases in seconds)");
            return FleetDefaults.LeaseTtl;
        }

        return ttl;
    }

    private static FleetQuorum ReadQuorum(ConfigReader reader)
    {
        if (!reader.TryGet("DnsQuorum", out var value))
        {
            return FleetQuorum.Majority;
        }

        if (value.ValueKind == JsonValueKind.String && string.Equals(value.GetString(), "majority", StringComparison.OrdinalIgnoreCase))
        {
            return FleetQuorum.Majority;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var count) && count >= 1)
        {
            return FleetQuorum.Of(count);
        }

        reader.Error("DnsQuorum", $"{ConfigReader.Show(value)} is not \"majority\" or a whole number of edges (1 or more)");
        return FleetQuorum.Majority;
    }
}

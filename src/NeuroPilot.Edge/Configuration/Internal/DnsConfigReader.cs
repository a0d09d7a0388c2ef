using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace NeuroPilot.Edge.Configuration.Internal;

/// <summary>Reads the <c>Dns</c> section: keys, types and values; rules that need the services are in <see cref="ConfigValidator"/>.</summary>
internal static class DnsConfigReader
{
    public static DnsOptions Read(List<ConfigError> errors, ConfigReader reader)
    {
        var provider = reader.Enum("Provider", DnsProviderKind.Cloudflare);
        if (!reader.Has("Provider"))
        {
            reader.Error("Provider", "missing: write \"cloudflare\" or \"rfc2136\"");
        }

        var owner = reader.String("OwnerId");
        if (!reader.Has("OwnerId"))
        {
            reader.Error("OwnerId", "missing: name this edge fleet (\"edge-fleet-1\"); only records carrying its marker are ever changed");
        }
        else if (owner is not null && !IsOwnerId(owner))
        {
            reader.Error("OwnerId", $"\"{owner}\" is not a valid owner id (1 to 63 letters, digits, '.', '_', '-')");
        }

        var records = ReadRecords(errors, reader);
        var cloudflare = reader.Object("Cloudflare") is { } cloudflareReader ? ReadCloudflare(cloudflareReader) : null;
        var rfc2136 = reader.Object("Rfc2136") is { } rfcReader ? ReadRfc2136(rfcReader) : null;
        var options = new DnsOptions
        {
            Provider = provider,
            OwnerId = owner ?? "",
            Interval = reader.Duration("Interval", DnsDefaults.Interval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(24)),
            DownHoldTime = reader.Duration("DownHoldTime", DnsDefaults.DownHoldTime, TimeSpan.Zero, TimeSpan.FromHours(24)),
            UpHoldTime = reader.Duration("UpHoldTime", DnsDefaults.UpHoldTime, TimeSpan.Zero, TimeSpan.FromHours(24)),
            DryRun = reader.Bool("DryRun", false),
            MaxChangeShare = reader.Double("MaxChangeShare", DnsDefaults.MaxChangeShare, 0.01, 1),
            Records = records,
            Cloudflare = cloudflare,
            Rfc2136 = rfc2136,
        };
        reader.RejectUnknownKeys();
        return options;
    }

    /// <summary><c>Dns.Records</c>: one entry per array item, so later errors name the right index.</summary>
    private static List<DnsRecordOptions> ReadRecords(List<ConfigError> errors, ConfigReader reader)
    {
        var records = new List<DnsRecordOptions>();
        if (!reader.TryGet("Records", out var recordsElement))
        {
            reader.Error("Records", "missing: list the records to publish");
        }
        else if (recordsElement.ValueKind != JsonValueKind.Array)
        {
            reader.Error("Records", $"{ConfigReader.Show(recordsElement)} is not an array of records");
        }
        else
        {
            var index = 0;
            foreach (var item in recordsElement.EnumerateArray())
            {
                var path = $"{reader.Child("Records")}[{index++}]";
                records.Add(ConfigReader.Open(errors, path, item) is { } recordReader
                    ? ReadRecord(recordReader)
                    : new DnsRecordOptions { Name = "", Service = "", Regions = [] });
            }
        }

        return records;
    }

    private static CloudflareOptions ReadCloudflare(ConfigReader reader)
    {
        var zoneId = reader.String("ZoneId");
        if (string.IsNullOrWhiteSpace(zoneId))
        {
            reader.Error("ZoneId", "missing: the zone's id from the Cloudflare dashboard (Overview, API)");
        }

        var baseUrl = DnsDefaults.CloudflareApiBaseUrl;
        if (reader.String("ApiBaseUrl") is { } urlText)
        {
            if (Uri.TryCreate(urlText.TrimEnd('/'), UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && string.IsNullOrEmpty(url.Query))
            {
                baseUrl = url;
            }
            else
            {
                reader.Error("ApiBaseUrl", $"\"{urlText}\" is not an absolute http or https URL");
            }
        }

        var options = new CloudflareOptions
        {
            ZoneId = zoneId ?? "",
            ApiBaseUrl = baseUrl,
            Proxied = reader.Bool("Proxied", false),
            RequestsPerFiveMinutes = reader.Int("RequestsPerFiveMinutes", DnsDefaults.CloudflareRequestsPerFiveMinutes, 10, 1_200),
            RequestTimeout = reader.Duration("RequestTimeout", DnsDefaults.CloudflareRequestTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)),
        };
        reader.RejectUnknownKeys();
        return options;
    }

    private static Rfc2136Options ReadRfc2136(ConfigReader reader)
    {
        var serverText = reader.String("Server");
        IPEndPoint? server = null;
        if (serverText is null)
        {
            reader.Error("Server", "missing: the primary server's address and port (\"192.0.2.53:53\")");
        }
        else if (!TryParseEndPoint(serverText, out server))
        {
            reader.Error("Server", $"\"{serverText}\" is not an IP address with an optional port (\"192.0.2.53:53\", \"[2001:db8::53]:53\")");
        }

        var zone = reader.String("Zone");
        if (zone is null)
        {
            reader.Error("Zone", "missing: the zone to update (\"example.com.\")");
        }
        else if (!IsHostName(DnsNames.Normalize(zone)))
        {
            reader.Error("Zone", $"\"{zone}\" is not a DNS name");
        }

        var keyName = reader.String("TsigKeyName");
        if (keyName is null)
        {
            reader.Error("TsigKeyName", "missing: the TSIG key's name as the server knows it");
        }
        else if (!IsHostName(DnsNames.Normalize(keyName), minLabels: 1))
        {
            reader.Error("TsigKeyName", $"\"{keyName}\" is not a DNS name");
        }

        var algorithm = reader.String("TsigAlgorithm")?.ToLowerInvariant() ?? "hmac-sha256";
        if (algorithm is not ("hmac-sha256" or "hmac-sha512"))
        {
            reader.Error("TsigAlgorithm", $"\"{algorithm}\" is not one of: hmac-sha256, hmac-sha512");
        }

        var options = new Rfc2136Options
        {
            Server = server ?? new IPEndPoint(IPAddress.Loopback, 53),
            Zone = DnsNames.Normalize(zone ?? ""),
            TsigKeyName = DnsNames.Normalize(keyName ?? ""),
            TsigAlgorithm = algorithm,
            Timeout = reader.Duration("Timeout", DnsDefaults.Rfc2136Timeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)),
        };
        reader.RejectUnknownKeys();
        return options;
    }

    private static DnsRecordOptions ReadRecord(ConfigReader reader)
    {
        var nameText = reader.String("Name");
        var name = DnsNames.Normalize(nameText ?? "");
        if (nameText is null)
        {
            reader.Error("Name", "missing: the record's fully qualified name (\"api.example.com\")");
        }
        else if (!IsHostName(name) || name.StartsWith('*'))
        {
            reader.Error("Name", $"\"{nameText}\" is not a fully qualified DNS name (wildcards are not published)");
        }

        var (type, typeKnown) = ReadType(reader);
        var service = reader.String("Service");
        if (service is null)
        {
            reader.Error("Service", "missing: the service whose region health this record follows");
        }

        var regions = ReadRegions(reader, type, typeKnown);
        var record = new DnsRecordOptions
        {
            Name = name,
            Type = type,
            Ttl = reader.Int("Ttl", DnsDefaults.Ttl, 1, 604_800),
            Service = service ?? "",
            Policy = reader.Enum("Policy", DnsPolicy.Failover),
            Regions = regions,
        };
        reader.RejectUnknownKeys();
        return record;
    }

    /// <summary>The record's <c>Type</c> (A when unwritten); <c>Known</c> is false when it was written wrong, so its values are not judged.</summary>
    private static (DnsRecordType Type, bool Known) ReadType(ConfigReader reader)
    {
        if (reader.String("Type") is not { } typeText)
        {
            return (DnsRecordType.A, true);
        }

        if (Enum.TryParse<DnsRecordType>(typeText, ignoreCase: true, out var parsed) && parsed != DnsRecordType.TXT && !int.TryParse(typeText, out _))
        {
            return (parsed, true);
        }

        reader.Error("Type", $"\"{typeText}\" is not one of: A, AAAA, CNAME");
        return (DnsRecordType.A, false);
    }

    /// <summary>The record's <c>Regions</c>: each region's values in canonical spelling (see <see cref="Canonical"/>).</summary>
    private static List<(string, IReadOnlyList<string>)> ReadRegions(ConfigReader reader, DnsRecordType type, bool typeKnown)
    {
        var regions = new List<(string, IReadOnlyList<string>)>();
        if (reader.Object("Regions") is { } regionsReader)
        {
            foreach (var (region, _) in regionsReader.Entries())
            {
                var values = new List<string>();
                foreach (var (path, value) in regionsReader.Strings(region) ?? [])
                {
                    if (Canonical(type, value) is { } canonical)
                    {
                        values.Add(canonical);
                    }
                    else if (typeKnown)
                    {
                        reader.AddError(path, $"\"{value}\" is not {Expected(type)}");
                    }
                }

                if (values.Count == 0 && regionsReader.Strings(region) is { Count: 0 })
                {
                    regionsReader.Error(region, "is empty: give the region's addresses, or leave the region out");
                }

                if (type == DnsRecordType.CNAME && values.Count > 1)
                {
                    regionsReader.Error(region, "has several targets: a CNAME record has exactly one");
                }

                regions.Add((region, values));
            }

            if (regions.Count == 0)
            {
                reader.Error("Regions", "is empty: map at least one region to its addresses");
            }
        }
        else if (!reader.Has("Regions"))
        {
            reader.Error("Regions", "missing: map each region to its addresses ({ \"us-east\": [\"198.51.100.10\"] })");
        }

        return regions;
    }

    /// <summary>The canonical spelling of a record value (see <c>Dns.DnsRecordSet</c>), or null when it is not one of <paramref name="type"/>.</summary>
    public static string? Canonical(DnsRecordType type, string value)
    {
        switch (type)
        {
            case DnsRecordType.A:
                return IPAddress.TryParse(value, out var v4) && v4.AddressFamily == AddressFamily.InterNetwork && value.Count(c => c == '.') == 3
                    ? v4.ToString()
                    : null;
            case DnsRecordType.AAAA:
                return IPAddress.TryParse(value, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6 && v6.ScopeId == 0
                    ? v6.ToString()
                    : null;
            case DnsRecordType.CNAME:
                var target = DnsNames.Normalize(value);
                return IsHostName(target) ? target : null;
            default:
                return value;
        }
    }

    private static string Expected(DnsRecordType type) => type switch
    {
        DnsRecordType.A => "an IPv4 address",
        DnsRecordType.AAAA => "an IPv6 address",
        _ => "a host name",
    };

    private static bool IsOwnerId(string owner) =>
        owner.Length is > 0 and <= 63 && owner.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>A DNS name of letters, digits, '-' and '_' labels (1 to 63 each, 253 in all), at least <paramref name="minLabels"/> labels.</summary>
    public static bool IsHostName(string name, int minLabels = 2)
    {
        if (name.Length is 0 or > 253)
        {
            return false;
        }

        var labels = name.Split('.');
        return labels.Length >= minLabels && labels.All(label =>
            label.Length is > 0 and <= 63 && label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '*') &&
            !label.StartsWith('-') && !label.EndsWith('-'));
    }

    private static bool TryParseEndPoint(string text, out IPEndPoint? endPoint)
    {
        endPoint = null;
        if (IPAddress.TryParse(text, out var bare) && !text.Contains("]:", StringComparison.Ordinal) &&
            (bare.AddressFamily == AddressFamily.InterNetworkV6 || !text.Contains(':', StringComparison.Ordinal)))
        {
            endPoint = new IPEndPoint(bare, 53);
            return true;
        }

        if (IPEndPoint.TryParse(text, out var parsed) && parsed.Port > 0 &&
            (parsed.AddressFamily == AddressFamily.InterNetwork || text.StartsWith('[')))
        {
            endPoint = parsed;
            return true;
        }

        return false;
    }
}

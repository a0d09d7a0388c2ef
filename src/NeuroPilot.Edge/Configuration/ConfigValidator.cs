using System.Buffers;

namespace NeuroPilot.Edge.Configuration;

/// <summary>Rules that span several keys, checked after every key has been read on its own.</summary>
public static class ConfigValidator
{
    /// <summary>Printable ASCII without space, backslash and '#': what an origin-form request target may hold.</summary>
    private static readonly SearchValues<char> OriginFormCharacters =
        SearchValues.Create("!\"$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    private static readonly SearchValues<char> NameCharacters =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

    public static void Validate(EdgeConfig config, List<ConfigError> errors)
    {
        ValidateEdge(config.Edge, errors);

        if (config.Services.Count == 0 && !errors.Exists(e => e.Path == "Services"))
        {
            errors.Add(new ConfigError("Services", "is empty: at least one service is required"));
        }

        string? catchAll = null;
        var matches = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var service in config.Services)
        {
            var path = $"Services.{service.Name}";
            if (!IsName(service.Name))
            {
                errors.Add(new ConfigError(path, $"\"{service.Name}\" is not a valid service name (letters, digits, '.', '_', '-')"));
            }

            ValidateService(service, path, errors);

            if (service.Hosts.Count == 0 && service.PathPrefix is null)
            {
                if (catchAll is not null)
                {
                    errors.Add(new ConfigError(path, $"matches every request, like Services.{catchAll}: give one of them Hosts or a PathPrefix"));
                    continue;
                }

                catchAll = service.Name;
            }

            foreach (var host in service.Hosts.DefaultIfEmpty("*"))
            {
                var key = $"{host}|{service.PathPrefix}";
                if (!matches.TryAdd(key, service.Name) && matches[key] != service.Name)
                {
                    var what = service.Hosts.Count == 0 ? "any host" : $"host \"{host}\"";
                    errors.Add(new ConfigError(path, $"{what} with PathPrefix \"{service.PathPrefix ?? "/"}\" is already matched by Services.{matches[key]}"));
                }
            }
        }

        if (config.Dns is { } dns)
        {
            ValidateDns(dns, config.Services, errors);
        }
    }

    private static void ValidateDns(DnsOptions dns, IReadOnlyList<ServiceOptions> services, List<ConfigError> errors)
    {
        var providerKnown = !errors.Exists(e => e.Path == "Dns.Provider");
        if (providerKnown && dns.Provider == DnsProviderKind.Cloudflare && dns.Cloudflare is null)
        {
            errors.Add(new ConfigError("Dns.Cloudflare", "missing: Provider \"cloudflare\" needs { \"ZoneId\": \"...\" } (the token comes from CLOUDFLARE_API_TOKEN)"));
        }

        if (providerKnown && dns.Provider == DnsProviderKind.Rfc2136 && dns.Rfc2136 is null)
        {
            errors.Add(new ConfigError("Dns.Rfc2136", "missing: Provider \"rfc2136\" needs Server, Zone and TsigKeyName (the secret comes from NEUROPILOT_EDGE_TSIG_SECRET)"));
        }

        var seen = new Dictionary<string, (int Index, DnsRecordType Type)>(StringComparer.Ordinal);
        for (var i = 0; i < dns.Records.Count; i++)
        {
            var record = dns.Records[i];
            var path = $"Dns.Records[{i}]";
            if (record.Name.Length == 0 || errors.Exists(e => e.Path == $"{path}.Name"))
            {
                continue;
            }

            foreach (var (name, (index, type)) in seen.Where(s => s.Key.StartsWith(record.Name + "|", StringComparison.Ordinal)))
            {
                if (type == record.Type)
                {
                    errors.Add(new ConfigError($"{path}.Name", $"\"{record.Name}\" {record.Type} is already published by Dns.Records[{index}]"));
                }
                else if (type == DnsRecordType.CNAME || record.Type == DnsRecordType.CNAME)
                {
                    errors.Add(new ConfigError($"{path}.Type", $"{record.Type} at \"{record.Name}\" next to Dns.Records[{index}]'s {type}: a CNAME cannot share its name"));
                }
            }

            seen.TryAdd($"{record.Name}|{record.Type}", (i, record.Type));

            if (dns.Provider == DnsProviderKind.Rfc2136 && dns.Rfc2136 is { Zone.Length: > 0 } rfc && !DnsNames.IsInZone(record.Name, rfc.Zone))
            {
                errors.Add(new ConfigError($"{path}.Name", $"\"{record.Name}\" is not in Dns.Rfc2136.Zone \"{rfc.Zone}\""));
            }

            if (dns.Provider == DnsProviderKind.Cloudflare && record.Ttl != 1 && record.Ttl is < 30 or > 86_400)
            {
                errors.Add(new ConfigError($"{path}.Ttl", $"{record.Ttl} is not a Cloudflare TTL (1 for automatic, or 30 to 86400; 60 on non-Enterprise plans)"));
            }

            if (record.Service.Length == 0)
            {
                continue;
            }

            var service = services.FirstOrDefault(s => s.Name == record.Service);
            if (service is null)
            {
                var known = string.Join(", ", services.Select(s => s.Name));
                errors.Add(new ConfigError($"{path}.Service", $"\"{record.Service}\" is not a service (Services: {known})"));
                continue;
            }

            foreach (var (region, _) in record.Regions)
            {
                if (!service.Regions.Any(r => r.Name == region))
                {
                    var known = string.Join(", ", service.Regions.Select(r => r.Name));
                    errors.Add(new ConfigError($"{path}.Regions.{region}", $"is not a region of Services.{service.Name} ({known})"));
                }
            }
        }
    }

    private static void ValidateEdge(EdgeOptions edge, List<ConfigError> errors)
    {
        if (edge.Listen.Count == 0)
        {
            errors.Add(new ConfigError("Edge.Listen", "is empty: give at least one URL such as \"http://0.0.0.0:8080\""));
        }

        var ports = new HashSet<int>();
        for (var i = 0; i < edge.Listen.Count; i++)
        {
            var url = edge.Listen[i];
            if (ReferenceEquals(url, ConfigLoader.InvalidUrl))
            {
                continue;
            }

            ValidateListener(url, $"Edge.Listen[{i}]", errors, allowHttps: true);
            if (url.Scheme == Uri.UriSchemeHttps && edge.Tls.Certificates.Count == 0)
            {
                errors.Add(new ConfigError($"Edge.Listen[{i}]", $"\"{url.OriginalString}\" needs a certificate: add Edge.Tls.Certificates [{{ \"CertificateFile\": \"...\", \"KeyFile\": \"...\" }}]"));
            }

            ports.Add(url.Port);
            for (var j = 0; j < i; j++)
            {
                if (Overlaps(edge.Listen[j], url))
                {
                    errors.Add(new ConfigError($"Edge.Listen[{i}]", $"\"{url.OriginalString}\" overlaps Edge.Listen[{j}] \"{edge.Listen[j].OriginalString}\": both cannot be bound"));
                }
            }
        }

        if (edge.Tls.Certificates.Count > 0 && !edge.Listen.Any(u => u.Scheme == Uri.UriSchemeHttps))
        {
            errors.Add(new ConfigError("Edge.Tls.Certificates", "no https:// listener in Edge.Listen serves them: add one such as \"https://0.0.0.0:443\", or remove Edge.Tls"));
        }

        if (ReferenceEquals(edge.Admin.Listen, ConfigLoader.InvalidUrl))
        {
            return;
        }

        ValidateListener(edge.Admin.Listen, "Edge.Admin.Listen", errors, allowHttps: false);
        if (edge.Admin.Listen.Port == 0)
        {
            errors.Add(new ConfigError("Edge.Admin.Listen", $"\"{edge.Admin.Listen.OriginalString}\" needs a fixed port (admin requests are told apart by port)"));
        }
        else if (ports.Contains(edge.Admin.Listen.Port))
        {
            errors.Add(new ConfigError("Edge.Admin.Listen", $"\"{edge.Admin.Listen.OriginalString}\" uses the same port as a proxy listener"));
        }

        if (edge.AccessLog.Enabled && string.IsNullOrWhiteSpace(edge.AccessLog.Path))
        {
            errors.Add(new ConfigError("Edge.AccessLog.Path", "is empty: give a file path or \"-\" for standard output"));
        }
    }

    private static bool Overlaps(Uri a, Uri b)
    {
        if (ReferenceEquals(a, ConfigLoader.InvalidUrl) || a.Port != b.Port || a.Port == 0)
        {
            return false;
        }

        static bool IsWide(Uri u) => u.Host is "0.0.0.0" or "[::]" or "localhost";
        return string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) || IsWide(a) || IsWide(b);
    }

    private static void ValidateListener(Uri url, string path, List<ConfigError> errors, bool allowHttps)
    {
        if (url.Scheme != Uri.UriSchemeHttp && !(allowHttps && url.Scheme == Uri.UriSchemeHttps))
        {
            errors.Add(new ConfigError(path, allowHttps
                ? $"\"{url.OriginalString}\" is not an http:// or https:// URL"
                : $"\"{url.OriginalString}\" is not an http:// URL (the admin listener speaks plain HTTP: keep it on loopback or a private network)"));
        }
        else if (url.AbsolutePath != "/")
        {
            errors.Add(new ConfigError(path, $"\"{url.OriginalString}\" must be {url.Scheme}://HOST:PORT with no path"));
        }
        else if (url.HostNameType is not (UriHostNameType.IPv4 or UriHostNameType.IPv6) && url.Host != "localhost" && url.Host != "*" && url.Host != "+")
        {
            errors.Add(new ConfigError(path, $"\"{url.OriginalString}\": listen on an IP address (0.0.0.0, 127.0.0.1, [::]) or localhost"));
        }
    }

    private static void ValidateService(ServiceOptions service, string path, List<ConfigError> errors)
    {
        if (service.PathPrefix is { } prefix && (!prefix.StartsWith('/') || prefix.Contains('?') || prefix.Contains('#')))
        {
            errors.Add(new ConfigError($"{path}.PathPrefix", $"\"{prefix}\" must be a path starting with '/'"));
        }

        var health = service.HealthCheck;
        if (health.Path is { } probePath && OriginFormProblem(probePath) is { } problem)
        {
            errors.Add(new ConfigError($"{path}.HealthCheck.Path", $"\"{probePath}\" {problem}"));
        }

        if (health.Timeout > health.Interval)
        {
            errors.Add(new ConfigError($"{path}.HealthCheck.Timeout", $"\"{Show(health.Timeout)}\" is longer than Interval \"{Show(health.Interval)}\""));
        }

        if (health.FastInterval > health.Interval)
        {
            errors.Add(new ConfigError($"{path}.HealthCheck.FastInterval", $"\"{Show(health.FastInterval)}\" is longer than Interval \"{Show(health.Interval)}\""));
        }

        var breaker = service.CircuitBreaker;
        if (breaker.MaxBreakDuration < breaker.BreakDuration)
        {
            errors.Add(new ConfigError($"{path}.CircuitBreaker.MaxBreakDuration", $"\"{Show(breaker.MaxBreakDuration)}\" is shorter than BreakDuration \"{Show(breaker.BreakDuration)}\""));
        }

        if (service.Retry.PerTryTimeout is { } perTry && perTry > service.RequestTimeout)
        {
            errors.Add(new ConfigError($"{path}.Retry.PerTryTimeout", $"\"{Show(perTry)}\" is longer than RequestTimeout \"{Show(service.RequestTimeout)}\""));
        }

        if (service.Regions.Count == 0 && !errors.Exists(e => e.Path.StartsWith($"{path}.Regions", StringComparison.Ordinal)))
        {
            errors.Add(new ConfigError($"{path}.Regions", "is empty: a service needs at least one region"));
        }

        if (service.UpstreamTls is not null && service.Regions.All(r => r.Destinations.All(d => d.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add(new ConfigError($"{path}.UpstreamTls", "no destination of this service is https://: UpstreamTls applies to https:// destinations only"));
        }

        ValidateRegions(service, path, errors);
    }

    /// <summary>Each region of a service: a valid name used once, enough destinations, no destination listed twice.</summary>
    private static void ValidateRegions(ServiceOptions service, string path, List<ConfigError> errors)
    {
        var regionNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var destinations = new Dictionary<Uri, string>();
        for (var r = 0; r < service.Regions.Count; r++)
        {
            var region = service.Regions[r];
            var regionPath = $"{path}.Regions[{r}]";
            if (region.Name.Length == 0)
            {
                // Missing, empty or not an object: already reported by the loader.
                continue;
            }

            if (!IsName(region.Name))
            {
                errors.Add(new ConfigError($"{regionPath}.Name", $"\"{region.Name}\" is not a valid region name (letters, digits, '.', '_', '-')"));
            }
            else if (!regionNames.Add(region.Name))
            {
                errors.Add(new ConfigError($"{regionPath}.Name", $"\"{region.Name}\" is used by another region of this service"));
            }

            if (region.Destinations.Count > 0 && region.Destinations.Count < service.MinHealthyDestinations)
            {
                errors.Add(new ConfigError($"{regionPath}.Destinations", $"has {region.Destinations.Count} destinations, fewer than MinHealthyDestinations {service.MinHealthyDestinations}: the region could never be usable"));
            }

            if (region.Destinations.Count == 0 && !errors.Exists(e => e.Path.StartsWith($"{regionPath}.Destinations", StringComparison.Ordinal)))
            {
                errors.Add(new ConfigError($"{regionPath}.Destinations", "is empty: a region needs at least one destination"));
            }

            for (var d = 0; d < region.Destinations.Count; d++)
            {
                var destination = region.Destinations[d];
                if (!ReferenceEquals(destination, ConfigLoader.InvalidUrl) && !destinations.TryAdd(destination, regionPath))
                {
                    errors.Add(new ConfigError($"{regionPath}.Destinations[{d}]", $"\"{destination.OriginalString}\" is listed twice in this service (also in {destinations[destination]})"));
                }
            }
        }
    }

    /// <summary>
    /// Null when <paramref name="path"/> is in origin form (RFC 9112: "/" then a path, an optional "?query"), else
    /// what is wrong. "//host/x" is a network-path reference: resolved against a destination it names another host.
    /// </summary>
    internal static string? OriginFormProblem(string path)
    {
        if (!path.StartsWith('/'))
        {
            return "must be a path starting with '/'";
        }

        if (path.StartsWith("//", StringComparison.Ordinal))
        {
            return "starts with \"//\", which names another host: write a path on the destination, such as \"/healthz\"";
        }

        if (path.Contains('#', StringComparison.Ordinal))
        {
            return "has a fragment (#...): a probe path is \"/path\" with an optional \"?query\"";
        }

        return path.AsSpan().ContainsAnyExcept(OriginFormCharacters)
            ? "has a space, a control character, a backslash or a non-ASCII character: percent-encode it (\"%20\")"
            : null;
    }

    private static bool IsName(string name) =>
        name.Length is > 0 and <= 64 && !name.AsSpan().ContainsAnyExcept(NameCharacters);

    private static string Show(TimeSpan value) => value.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
}

using System.Text.Json;
using NeuroPilot.Edge.Configuration.Internal;

namespace NeuroPilot.Edge.Configuration;

/// <summary>
/// Turns a config file into a validated <see cref="EdgeConfig"/>, or a <see cref="ConfigException"/> listing every
/// problem, each with its path (<c>Services.api.Regions[1].Destinations[0]</c>) and the bad value.
/// </summary>
public static class ConfigLoader
{
    /// <summary>
    /// Stands in for a destination or listener URL that failed to parse, so that later checks name the right index;
    /// a config holding one is always rejected.
    /// </summary>
    internal static readonly Uri InvalidUrl = new("invalid:url");

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Reads and loads a config file; see <see cref="Load(string, ConfigCheck)"/>.</summary>
    public static EdgeConfig LoadFile(string path, ConfigCheck featureChecks) => Load(ReadFile(path), featureChecks);

    /// <summary>The text of the config file (<see cref="ConfigFile.Read"/>); a file that cannot be read is a problem at <c>(file)</c>.</summary>
    public static string ReadFile(string path)
    {
        try
        {
            return ConfigFile.Read(path);
        }
        catch (IOException e)
        {
            throw new ConfigException([new ConfigError("(file)", $"cannot read \"{path}\": {e.Message}")]);
        }
    }

    /// <summary>The config's own rules only: for tests of Configuration and of features that take a config as given.</summary>
    public static EdgeConfig Load(string json) => Load(json, static (_, _) => { });

    /// <summary>
    /// Parses, reads and validates <paramref name="json"/>, then runs <paramref name="featureChecks"/> on the result;
    /// every problem found by any of them is in the one <see cref="ConfigException"/>.
    /// </summary>
    public static EdgeConfig Load(string json, ConfigCheck featureChecks)
    {
        var errors = new List<ConfigError>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, column {e.BytePositionInLine + 1}" : "";
            throw new ConfigException([new ConfigError("(file)", $"not valid JSON{where}")]);
        }

        using (document)
        {
            // Valid JSON may still hold strings that are not text ("\ud800", half a surrogate pair): reading one
            // throws, so find them all first and report each where it is.
            FindUndecodableStrings(document.RootElement, "", errors);
            if (errors.Count > 0)
            {
                throw new ConfigException(errors);
            }

            var config = Read(errors, document.RootElement);
            if (config is not null)
            {
                ConfigValidator.Validate(config, errors);
                featureChecks(config, errors);
            }

            if (errors.Count > 0)
            {
                throw new ConfigException(errors);
            }

            return config!;
        }
    }

    private static void FindUndecodableStrings(JsonElement element, string path, List<ConfigError> errors)
    {
        const string Problem = "holds a \\u escape that is half a UTF-16 surrogate pair, which is not text";
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        errors.Add(new ConfigError(path.Length == 0 ? "(root)" : path, $"a key {Problem}"));
                        continue;
                    }

                    FindUndecodableStrings(property.Value, path.Length == 0 ? name : $"{path}.{name}", errors);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    FindUndecodableStrings(item, $"{path}[{index++}]", errors);
                }

                break;
            case JsonValueKind.String:
                try
                {
                    _ = element.GetString();
                }
                catch (InvalidOperationException)
                {
                    errors.Add(new ConfigError(path.Length == 0 ? "(root)" : path, $"{ConfigReader.Show(element)} {Problem}"));
                }

                break;
        }
    }

    private static EdgeConfig? Read(List<ConfigError> errors, JsonElement root)
    {
        var reader = ConfigReader.Open(errors, "", root);
        if (reader is null)
        {
            return null;
        }

        var edge = reader.Object("Edge") is { } edgeReader ? ReadEdge(edgeReader) : new EdgeOptions();
        var services = new List<ServiceOptions>();
        if (reader.Object("Services") is { } servicesReader)
        {
            foreach (var (name, value) in servicesReader.Entries())
            {
                if (ConfigReader.Open(errors, servicesReader.Child(name), value) is { } serviceReader)
                {
                    services.Add(ReadService(errors, name, serviceReader));
                }
            }
        }
        else if (!reader.Has("Services"))
        {
            errors.Add(new ConfigError("Services", "missing: at least one service is required"));
        }

        var dns = reader.Object("Dns") is { } dnsReader ? DnsConfigReader.Read(errors, dnsReader) : null;
        var fleet = reader.Object("Fleet") is { } fleetReader ? FleetConfigReader.Read(fleetReader) : null;
        reader.RejectUnknownKeys();
        return new EdgeConfig { Edge = edge, Services = services, Dns = dns, Fleet = fleet };
    }

    private static EdgeOptions ReadEdge(ConfigReader reader)
    {
        var listen = reader.Strings("Listen") is { } urls ? ReadUrls(reader, [.. urls.Select(u => (u.Path, AnyAddress(u.Value)))]) : [EdgeDefaults.Listen];

        var admin = new AdminOptions();
        if (reader.Object("Admin") is { } adminReader)
        {
            var url = adminReader.String("Listen");
            admin = new AdminOptions
            {
                Listen = url is null ? EdgeDefaults.AdminListen : ParseUrl(adminReader, adminReader.Child("Listen"), AnyAddress(url)) ?? InvalidUrl,
            };
            adminReader.RejectUnknownKeys();
        }

        var logging = new LoggingOptions();
        if (reader.Object("Logging") is { } loggingReader)
        {
            logging = new LoggingOptions
            {
                Format = loggingReader.Enum("Format", LogFormat.Text),
                Level = loggingReader.Enum("Level", LogLevel.Information),
            };
            loggingReader.RejectUnknownKeys();
        }

        var accessLog = new AccessLogOptions();
        if (reader.Object("AccessLog") is { } accessReader)
        {
            accessLog = new AccessLogOptions
            {
                Enabled = accessReader.Bool("Enabled", false),
                Path = accessReader.String("Path") ?? "-",
            };
            accessReader.RejectUnknownKeys();
        }

        var options = new EdgeOptions
        {
            Listen = listen,
            Admin = admin,
            Tls = TlsConfigReader.ReadEdge(reader),
            DrainTimeout = reader.Duration("DrainTimeout", EdgeDefaults.DrainTimeout, TimeSpan.Zero, TimeSpan.FromMinutes(10)),
            Logging = logging,
            AccessLog = accessLog,
            TrustedProxies = reader.Strings("TrustedProxies") is { } proxies ? ReadNetworks(reader, proxies) : [],
            ClientAddressHeader = ReadClientAddressHeader(reader),
            Limits = LimitsConfigReader.ReadEdge(reader),
            Engine = reader.Enum("Engine", EdgeDefaults.Engine),
            Scheduling = reader.Enum("Scheduling", EdgeDefaults.Scheduling),
            EventThreads = reader.Has("EventThreads") ? reader.Int("EventThreads", 1, 1, EdgeDefaults.MaxEventThreads) : null,
        };
        reader.RejectUnknownKeys();
        return options;
    }

    /// <summary><c>173.245.48.0/20</c>, <c>2400:cb00::/32</c>, or a bare address (one host).</summary>
    private static List<System.Net.IPNetwork> ReadNetworks(ConfigReader reader, IReadOnlyList<(string Path, string Value)> items)
    {
        var networks = new List<System.Net.IPNetwork>();
        foreach (var (path, value) in items)
        {
            var slash = value.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0 && System.Net.IPNetwork.TryParse(value, out var network) &&
                System.Net.IPAddress.TryParse(value.AsSpan(0, slash), out var written) && written.Equals(network.BaseAddress))
            {
                networks.Add(network);
            }
            else if (System.Net.IPAddress.TryParse(value, out var address) && !value.Contains('/', StringComparison.Ordinal))
            {
                networks.Add(new System.Net.IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                reader.AddError(path, $"\"{value}\" is not an address or a network in CIDR form (\"173.245.48.0/20\", no host bits set)");
            }
        }

        return networks;
    }

    private static ClientAddressHeader ReadClientAddressHeader(ConfigReader reader)
    {
        var text = reader.String("ClientAddressHeader");
        switch (text?.ToLowerInvariant())
        {
            case null or "x-forwarded-for":
                return ClientAddressHeader.XForwardedFor;
            case "forwarded":
                return ClientAddressHeader.Forwarded;
            case "cf-connecting-ip":
                return ClientAddressHeader.CfConnectingIp;
            case "x-real-ip":
                return ClientAddressHeader.XRealIp;
            case "true-client-ip":
                return ClientAddressHeader.TrueClientIp;
            default:
                reader.Error("ClientAddressHeader", $"\"{text}\" is not one of: X-Forwarded-For, Forwarded, CF-Connecting-IP, X-Real-IP, True-Client-IP");
                return ClientAddressHeader.XForwardedFor;
        }
    }

    private static ServiceOptions ReadService(List<ConfigError> errors, string name, ConfigReader reader)
    {
        var regions = ReadRegions(errors, reader);
        var health = reader.Object("HealthCheck") is { } healthReader ? ReadHealthCheck(healthReader) : new HealthCheckOptions();
        var breaker = reader.Object("CircuitBreaker") is { } breakerReader ? ReadCircuitBreaker(breakerReader) : new CircuitBreakerOptions();
        var retry = reader.Object("Retry") is { } retryReader ? ReadRetry(retryReader) : new RetryOptions();
        var service = new ServiceOptions
        {
            CircuitBreaker = breaker,
            Retry = retry,
            MinHealthyDestinations = reader.Int("MinHealthyDestinations", 1, 1, 1000),
            NoUsableRegion = reader.Enum("NoUsableRegion", NoUsableRegionPolicy.Panic),
            Name = name,
            Hosts = reader.Strings("Hosts") is { } hosts ? ReadHosts(reader, hosts) : [],
            PathPrefix = NormalizePrefix(reader.String("PathPrefix")),
            Regions = regions,
            ConnectTimeout = reader.Duration("ConnectTimeout", ServiceDefaults.ConnectTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5)),
            RequestTimeout = reader.Duration("RequestTimeout", ServiceDefaults.RequestTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(24)),
            MaxConnectionsPerDestination = reader.Int("MaxConnectionsPerDestination", ServiceDefaults.MaxConnectionsPerDestination, 1, 1_000_000),
            Limits = LimitsConfigReader.ReadService(reader),
            UpstreamHttpVersion = reader.Enum("UpstreamHttpVersion", UpstreamHttpVersion.Auto),
            UpstreamTls = TlsConfigReader.ReadUpstream(reader),
            PreserveHost = reader.Bool("PreserveHost", false),
            HealthCheck = health,
            Jwt = reader.Object("Jwt") is { } jwtReader ? JwtConfigReader.Read(jwtReader) : null,
        };
        if (!reader.Has("Regions"))
        {
            reader.Error("Regions", "missing: a service needs at least one region");
        }

        reader.RejectUnknownKeys();
        return service;
    }

    /// <summary>A service's <c>Regions</c>; a missing array is reported by <see cref="ReadService"/>, after the other keys.</summary>
    private static List<RegionOptions> ReadRegions(List<ConfigError> errors, ConfigReader reader)
    {
        var regions = new List<RegionOptions>();
        if (!reader.TryGet("Regions", out var regionsElement))
        {
            return regions;
        }

        if (regionsElement.ValueKind != JsonValueKind.Array)
        {
            reader.Error("Regions", $"{ConfigReader.Show(regionsElement)} is not an array of regions");
            return regions;
        }

        var index = 0;
        foreach (var item in regionsElement.EnumerateArray())
        {
            // A region that is not an object keeps its place (empty name: skipped by the validator), so later
            // errors name the right index.
            regions.Add(ConfigReader.Open(errors, $"{reader.Child("Regions")}[{index++}]", item) is { } regionReader
                ? ReadRegion(regionReader)
                : new RegionOptions { Name = "", Destinations = [] });
        }

        return regions;
    }

    private static HealthCheckOptions ReadHealthCheck(ConfigReader reader)
    {
        // Unwritten FastInterval and Timeout never exceed a short Interval the user did write.
        var interval = reader.Duration("Interval", HealthCheckDefaults.Interval, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
        var health = new HealthCheckOptions
        {
            Path = reader.String("Path"),
            Interval = interval,
            FastInterval = reader.Duration("FastInterval", Min(HealthCheckDefaults.FastInterval, interval), TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1)),
            Timeout = reader.Duration("Timeout", Min(HealthCheckDefaults.Timeout, interval), TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5)),
            UnhealthyThreshold = reader.Int("UnhealthyThreshold", HealthCheckDefaults.UnhealthyThreshold, 1, 100),
            HealthyThreshold = reader.Int("HealthyThreshold", HealthCheckDefaults.HealthyThreshold, 1, 100),
            HealthyStatusCodes = reader.StatusRanges("HealthyStatusCodes") ?? [(200, 299)],
        };
        reader.RejectUnknownKeys();
        return health;
    }

    private static CircuitBreakerOptions ReadCircuitBreaker(ConfigReader reader)
    {
        var breakDuration = reader.Duration("BreakDuration", CircuitBreakerDefaults.BreakDuration, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
        var breaker = new CircuitBreakerOptions
        {
            ConsecutiveFailures = reader.Int("ConsecutiveFailures", CircuitBreakerDefaults.ConsecutiveFailures, 1, 10_000),
            FailureRatio = reader.Double("FailureRatio", CircuitBreakerDefaults.FailureRatio, 0.01, 1),
            SamplingDuration = reader.Duration("SamplingDuration", CircuitBreakerDefaults.SamplingDuration, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)),
            MinimumThroughput = reader.Int("MinimumThroughput", CircuitBreakerDefaults.MinimumThroughput, 1, 1_000_000),
            BreakDuration = breakDuration,
            MaxBreakDuration = reader.Duration("MaxBreakDuration", Max(CircuitBreakerDefaults.MaxBreakDuration, breakDuration), TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(24)),
            HalfOpenTrials = reader.Int("HalfOpenTrials", CircuitBreakerDefaults.HalfOpenTrials, 1, 1000),
            FailureStatusCodes = Codes(reader.StatusRanges("FailureStatusCodes")) ?? CircuitBreakerDefaults.FailureStatusCodes,
            StallTimeout = reader.Duration("StallTimeout", CircuitBreakerDefaults.StallTimeout, TimeSpan.Zero, TimeSpan.FromHours(1)),
            StallMinRequests = reader.Int("StallMinRequests", CircuitBreakerDefaults.StallMinRequests, 1, 100_000),
        };
        reader.RejectUnknownKeys();
        return breaker;
    }

    private static RetryOptions ReadRetry(ConfigReader reader)
    {
        var perTry = reader.Duration("PerTryTimeout", TimeSpan.Zero, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1));
        var retry = new RetryOptions
        {
            MaxAttempts = reader.Int("MaxAttempts", RetryDefaults.MaxAttempts, 1, 10),
            PerTryTimeout = perTry > TimeSpan.Zero ? perTry : null,
            RetryOnStatusCodes = Codes(reader.StatusRanges("RetryOnStatusCodes")) ?? RetryDefaults.RetryOnStatusCodes,
            BufferLimitBytes = reader.Int("BufferLimitBytes", RetryDefaults.BufferLimitBytes, 0, 16 * 1024 * 1024),
            RetryNonIdempotent = reader.Bool("RetryNonIdempotent", false),
            BudgetPercent = reader.Double("BudgetPercent", RetryDefaults.BudgetPercent, 0, 100),
            MinRetryConcurrency = reader.Int("MinRetryConcurrency", RetryDefaults.MinRetryConcurrency, 0, 1_000_000),
        };
        reader.RejectUnknownKeys();
        return retry;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>"/v1/" and "/v1" match the same requests, and "/" matches every path: store one spelling.</summary>
    private static string? NormalizePrefix(string? prefix)
    {
        if (prefix is null || !prefix.StartsWith('/'))
        {
            return prefix;
        }

        var trimmed = prefix.TrimEnd('/');
        return trimmed.Length == 0 ? null : trimmed;
    }

    private static List<int>? Codes(IReadOnlyList<(int From, int To)>? ranges)
    {
        if (ranges is null)
        {
            return null;
        }

        var codes = new List<int>();
        foreach (var (from, to) in ranges)
        {
            for (var code = from; code <= to; code++)
            {
                codes.Add(code);
            }
        }

        return codes;
    }

    private static RegionOptions ReadRegion(ConfigReader reader)
    {
        var name = reader.String("Name");
        if (!reader.Has("Name"))
        {
            reader.Error("Name", "missing: every region needs a name");
        }
        else if (name is { Length: 0 })
        {
            reader.Error("Name", "is empty: every region needs a name");
        }

        var destinations = reader.Strings("Destinations") is { } urls ? ReadUrls(reader, urls) : [];
        if (!reader.Has("Destinations"))
        {
            reader.Error("Destinations", "missing: a region needs at least one destination");
        }

        reader.RejectUnknownKeys();
        return new RegionOptions { Name = name ?? "", Destinations = destinations };
    }

    /// <summary>Kestrel-style <c>http://*:8080</c> and <c>http://+:8080</c> mean every IPv4 address.</summary>
    private static string AnyAddress(string url) =>
        url.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal);

    private static List<Uri> ReadUrls(ConfigReader reader, IReadOnlyList<(string Path, string Value)> items)
    {
        var urls = new List<Uri>();
        foreach (var (path, value) in items)
        {
            urls.Add(ParseUrl(reader, path, value) ?? InvalidUrl);
        }

        return urls;
    }

    private static Uri? ParseUrl(ConfigReader reader, string path, string value)
    {
        if (Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" &&
            string.IsNullOrEmpty(url.Query) && string.IsNullOrEmpty(url.Fragment) && string.IsNullOrEmpty(url.UserInfo))
        {
            return url;
        }

        reader.AddError(path, $"\"{value}\" is not an absolute http or https URL (without query, fragment or credentials)");
        return null;
    }

    private static List<string> ReadHosts(ConfigReader reader, IReadOnlyList<(string Path, string Value)> items)
    {
        var hosts = new List<string>();
        foreach (var (path, value) in items)
        {
            var host = value.StartsWith("*.", StringComparison.Ordinal) ? value[2..] : value;
            if (Uri.CheckHostName(host) is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6)
            {
                hosts.Add(value.ToLowerInvariant());
            }
            else
            {
                reader.AddError(path, $"\"{value}\" is not a host name (write \"api.example.com\" or \"*.example.com\")");
            }
        }

        return hosts;
    }
}

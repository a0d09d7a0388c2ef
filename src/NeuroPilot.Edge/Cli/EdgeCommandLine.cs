using Microsoft.AspNetCore.Server.Kestrel.Core;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Demo;
using NeuroPilot.Edge.Hosting;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Cli;

/// <summary>The command line: <c>run</c>, <c>check</c>, <c>demo</c>, <c>upstream</c>, <c>--help</c>, <c>--version</c>.</summary>
public static class EdgeCommandLine
{
    public const int ExitOk = 0;
    public const int ExitFailed = 1;
    public const int ExitInvalid = 2;

    public const string Usage = """
        neuropilot-edge: edge router and health agent for a service deployed in several regions

        Usage:
          neuropilot-edge run --config FILE      run the edge (proxy, admin API, config reload)
          neuropilot-edge check --config FILE    validate a config: exit 0 when valid, 2 when not (one line per problem)
          neuropilot-edge demo                   run a self-contained demo on loopback (edge :8080, admin :9901,
                                                 three upstream regions on :9001-9003)
          neuropilot-edge dns plan --config FILE [--assume-healthy]
                                                 print what the DNS pusher would change now (probes each
                                                 destination once from this host; reads the provider, writes nothing)
          neuropilot-edge health [--url URL]     GET an admin URL (default http://127.0.0.1:9901/healthz): exit 0 on
                                                 2xx, 1 otherwise (container HEALTHCHECK; no curl needed)
          neuropilot-edge upstream --listen URL --region NAME [--http2]
                                 [--cert FILE --key FILE [--client-ca FILE]]
                                                 run a small test upstream (for demos, drills and tests); an
                                                 https:// URL serves --cert/--key, --client-ca requires client
                                                 certificates from that CA (mTLS)
          neuropilot-edge --help | --version

        Signals: SIGTERM/SIGINT drain and exit 0; SIGHUP reloads the config (so does any change to the file).
        Environment: NEUROPILOT_EDGE_ADMIN_TOKEN (or NEUROPILOT_EDGE_ADMIN_TOKEN_FILE, or the systemd credential
        admin-token) enables admin writes (bearer token). DNS secrets: CLOUDFLARE_API_TOKEN, NEUROPILOT_EDGE_TSIG_SECRET
        (base64), each also from VARIABLE_FILE or a systemd credential.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0)
        {
            await Console.Error.WriteLineAsync(Usage);
            return ExitInvalid;
        }

        var rest = args.AsSpan(1).ToArray();
        switch (args[0])
        {
            case "--help" or "-h" or "help":
                Console.WriteLine(Usage);
                return ExitOk;
            case "--version" or "-V" or "version":
                Console.WriteLine($"neuropilot-edge {EdgeVersion.Current}");
                return ExitOk;
            case "check":
                return Check(rest);
            case "run":
                return await RunEdgeAsync(rest);
            case "demo":
                return await DemoCommand.RunAsync(rest);
            case "upstream":
                return await RunUpstreamAsync(rest);
            case "health":
                return await HealthAsync(rest);
            case "dns":
                return await DnsAsync(rest);
            default:
                return UsageError($"unknown command \"{args[0]}\"");
        }
    }

    private static int Check(string[] args)
    {
        if (!TryParse(args, out var options, "--config") || options.GetValueOrDefault("--config") is not { } path)
        {
            return UsageError("check needs --config FILE");
        }

        try
        {
            var config = ConfigLoader.LoadFile(path, EdgeConfigChecks.All);
            using var inputs = StartupInputs.Read(config, open: false);
            foreach (var warning in inputs.Warnings)
            {
                Console.Error.WriteLine($"{path}: warning: {warning}");
            }

            var regions = config.Services.Sum(s => s.Regions.Count);
            var destinations = config.Services.Sum(s => s.Regions.Sum(r => r.Destinations.Count));
            var dns = config.Dns is { } d ? $", DNS push to {Dns.DnsWireNames.ToWireName(d.Provider)}: {d.Records.Count} records{(d.DryRun ? ", dry run" : "")}" : "";
            var fleet = config.Fleet is { } f ? $", fleet member \"{f.EdgeId}\" through {f.Etcd.Endpoints.Count} etcd endpoints" : "";
            Console.WriteLine($"{path}: valid ({config.Services.Count} services, {regions} regions, {destinations} destinations{dns}{fleet})");
            return ExitOk;
        }
        catch (ConfigException e)
        {
            PrintProblems(path, e.Errors);
            return ExitInvalid;
        }
    }

    private static async Task<int> RunEdgeAsync(string[] args)
    {
        if (!TryParse(args, out var options, "--config") || options.GetValueOrDefault("--config") is not { } path)
        {
            return UsageError("run needs --config FILE");
        }

        if (Load(path) is not (EdgeConfig config, string text))
        {
            return ExitInvalid;
        }

        EdgeHost.PrepareProcess(config.Edge);

        // Every start-up problem is one line naming its key or variable, as check prints it; never a stack trace.
        StartupInputs inputs;
        try
        {
            inputs = StartupInputs.Read(config, open: true);
        }
        catch (ConfigException e)
        {
            PrintProblems(path, e.Errors);
            return ExitInvalid;
        }

        // A listener that cannot be bound may be free after a restart (exit 1; systemd restarts, it does not on 2).
        if (ListenerCheck.Check(config.Edge) is { Count: > 0 } bindErrors)
        {
            inputs.Dispose();
            PrintProblems(path, bindErrors);
            return ExitFailed;
        }

        var app = EdgeHost.Build(config, text, Path.GetFullPath(path), inputs);
        return await EdgeHost.RunAsync(app, config);
    }

    private static async Task<int> DnsAsync(string[] args)
    {
        if (args.Length == 0 || args[0] != "plan" || !TryParse(args[1..], out var options, "--config", "--assume-healthy") ||
            options.GetValueOrDefault("--config") is not { } path)
        {
            return UsageError("dns plan needs --config FILE [--assume-healthy]");
        }

        if (Load(path) is not (EdgeConfig config, _))
        {
            return ExitInvalid;
        }

        using var loggers = LoggerFactory.Create(logging => logging.AddSimpleConsole(console => console.SingleLine = true).SetMinimumLevel(LogLevel.Warning)
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
        return await Dns.DnsPlanCommand.RunAsync(config, options.ContainsKey("--assume-healthy"), Console.Out, Console.Error, loggers);
    }

    /// <summary>Reads and validates a config file; on failure prints every problem (as <c>check</c> does) and returns null.</summary>
    private static (EdgeConfig Config, string Text)? Load(string path)
    {
        try
        {
            var text = ConfigLoader.ReadFile(path);
            return (ConfigLoader.Load(text, EdgeConfigChecks.All), text);
        }
        catch (ConfigException e)
        {
            PrintProblems(path, e.Errors);
            return null;
        }
    }

    /// <summary>One line per problem: <c>FILE: PATH: problem</c> (the path names a config key or an environment variable).</summary>
    private static void PrintProblems(string path, IEnumerable<ConfigError> errors)
    {
        foreach (var error in errors)
        {
            Console.Error.WriteLine($"{path}: {error}");
        }
    }

    private static async Task<int> RunUpstreamAsync(string[] args)
    {
        const string UpstreamUsage = "upstream needs --listen http://IP:PORT [--region NAME] [--http2], or --listen https://IP:PORT --cert FILE --key FILE [--client-ca FILE]";
        if (!TryParse(args, out var options, "--listen", "--region", "--http2", "--cert", "--key", "--client-ca") ||
            options.GetValueOrDefault("--listen") is not { } listen || !Uri.TryCreate(listen, UriKind.Absolute, out var url) ||
            url.Scheme is not ("http" or "https"))
        {
            return UsageError(UpstreamUsage);
        }

        DemoUpstreamTls? tls = null;
        if (url.Scheme == Uri.UriSchemeHttps)
        {
            if (options.GetValueOrDefault("--cert") is not { } certificate || options.GetValueOrDefault("--key") is not { } key)
            {
                return UsageError($"an https:// upstream needs --cert FILE --key FILE ({UpstreamUsage})");
            }

            try
            {
                tls = DemoUpstreamTls.Load(certificate, key, options.GetValueOrDefault("--client-ca"));
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"neuropilot-edge upstream: {e.Message}");
                return ExitInvalid;
            }
        }
        else if (options.ContainsKey("--cert") || options.ContainsKey("--key") || options.ContainsKey("--client-ca"))
        {
            return UsageError($"--cert, --key and --client-ca need an https:// --listen URL ({UpstreamUsage})");
        }

        var upstream = new DemoUpstream(options.GetValueOrDefault("--region") ?? $"upstream-{url.Port}");
        var app = upstream.Build(url, options.ContainsKey("--http2") ? HttpProtocols.Http2 : HttpProtocols.Http1AndHttp2, tls);
        await app.StartAsync();
        Console.WriteLine($"upstream {upstream.Region} listening on {url}");
        await app.WaitForShutdownAsync();
        return ExitOk;
    }

    private static async Task<int> HealthAsync(string[] args)
    {
        if (!TryParse(args, out var options, "--url"))
        {
            return UsageError("health takes [--url http://127.0.0.1:9901/healthz]");
        }

        var url = options.GetValueOrDefault("--url") ?? "http://127.0.0.1:9901/healthz";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return UsageError($"health: \"{url}\" is not an http URL");
        }

        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            using var response = await client.GetAsync(uri);
            var healthy = response.IsSuccessStatusCode;
            Console.WriteLine($"{uri}: {(int)response.StatusCode} {(healthy ? "healthy" : "unhealthy")}");
            return healthy ? ExitOk : ExitFailed;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Console.WriteLine($"{uri}: unreachable ({e.Message})");
            return ExitFailed;
        }
    }

    /// <summary>Parses <c>--name value</c>, <c>--name=value</c> and bare flags; only the names given are allowed.</summary>
    internal static bool TryParse(string[] args, out Dictionary<string, string?> options, params string[] allowed)
    {
        options = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? arg[..equals] : arg;
            if (name == "-c")
            {
                name = "--config";
            }

            if (Array.IndexOf(allowed, name) < 0)
            {
                Console.Error.WriteLine($"neuropilot-edge: unknown option \"{arg}\"");
                return false;
            }

            if (equals > 0)
            {
                options[name] = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                options[name] = args[++i];
            }
            else
            {
                options[name] = null;
            }
        }

        return true;
    }

    private static int UsageError(string message)
    {
        Console.Error.WriteLine($"neuropilot-edge: {message}");
        Console.Error.WriteLine("Try 'neuropilot-edge --help'.");
        return ExitInvalid;
    }
}

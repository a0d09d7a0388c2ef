using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using NeuroPilot.Edge.Admin;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Forwarding;
using NeuroPilot.Edge.Limits;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;
using NeuroPilot.Edge.Tls;

namespace NeuroPilot.Edge.Hosting;

/// <summary>
/// Composition root of <c>run</c> and <c>demo</c>: one Kestrel server with the proxy listeners and the admin
/// listener, the runtime (config + routing table), the config watcher. Wires features; contains none.
/// </summary>
public static partial class EdgeHost
{
    /// <summary>As <see cref="Build(EdgeConfig, string, string?, StartupInputs)"/>, reading the start-up inputs first (the demo).</summary>
    /// <exception cref="ConfigException">A start-up input cannot be used (see <see cref="StartupInputs.Read"/>).</exception>
    public static WebApplication Build(EdgeConfig config, string configText, string? configPath) =>
        Build(config, configText, configPath, StartupInputs.Read(config, open: true));

    /// <summary>
    /// The process-wide half of <see cref="IoScheduling.Inline"/> and <see cref="EdgeOptions.EventThreads"/>, for the
    /// commands that run an edge: sets <see cref="ProcessSettings"/> in the environment before the process's first
    /// socket operation and first thread-pool work item, where .NET reads them once. An operator's own setting of a
    /// variable is left as it is.
    /// </summary>
    public static void PrepareProcess(EdgeOptions edge)
    {
        foreach (var (variable, value) in ProcessSettings(edge))
        {
            if (Environment.GetEnvironmentVariable(variable) is null)
            {
                Environment.SetEnvironmentVariable(variable, value);
            }
        }
    }

    /// <summary>
    /// The runtime settings an edge with these options runs with. Inline: .NET's socket engine runs completions on its
    /// event threads (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c>, one thread per core), and the thread pool,
    /// left with timers, probes and background work, does not spin before it sleeps
    /// (<c>DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0</c>: at 10,000 probed destinations its workers' spinning was a
    /// quarter of the edge's CPU). <c>DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT</c>: the event-thread count when one is set.
    /// </summary>
    public static IReadOnlyList<(string Variable, string Value)> ProcessSettings(EdgeOptions edge)
    {
        var settings = new List<(string, string)>();
        if (edge.Scheduling == IoScheduling.Inline)
        {
            settings.Add(("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1"));
            settings.Add(("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit", "0"));
        }

        if (edge.EventThreads is { } threads)
        {
            settings.Add(("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT", threads.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        return settings;
    }

    /// <summary>Wires the edge from a validated config and the start-up inputs read for it; takes the access log file over.</summary>
    public static WebApplication Build(EdgeConfig config, string configText, string? configPath, StartupInputs inputs)
    {
        var builder = CreateBuilder();

        var metrics = new EdgeMetrics(EdgeMetrics.CreateRegistry());
        ConfigureLogging(builder.Logging, config.Edge.Logging);
        ConfigureKestrel(builder.WebHost, config.Edge, new ConnectionLimiter(config.Edge.Limits.MaxConnections, metrics.ConnectionsRejected, metrics.ConnectionsOpen), metrics);
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = config.Edge.DrainTimeout);
        builder.Services.AddHttpForwarder();

        metrics.Info.WithLabels(EdgeVersion.Current).Set(1);
        builder.Services.AddSingleton(metrics);
        builder.Services.AddSingleton(TimeProvider.System);
        AddLoggers(builder.Services);
        if (config.Edge.Listen.Any(url => url.Scheme == Uri.UriSchemeHttps))
        {
            builder.Services.AddSingleton(services => new ServerTls(config.Edge.Tls, inputs.Tls, metrics, services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<ServerTls>>()));
        }

        builder.Services.AddSingleton(services => new UpstreamTlsMaterials(metrics, services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<UpstreamTlsMaterials>>()));
        builder.Services.AddSingleton(services => new UpstreamClients(services.GetRequiredService<UpstreamTlsMaterials>()));
        builder.Services.AddSingleton<RoutingTableBuilder>();
        builder.Services.AddSingleton(new AdminToken(inputs.AdminToken));
        var accessLogOutput = inputs.TakeAccessLogOutput();
        builder.Services.AddSingleton(services => new EdgeRuntime(
            configPath,
            config,
            configText,
            services.GetRequiredService<RoutingTableBuilder>().Build,
            EdgeConfigChecks.All,
            metrics,
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<EdgeRuntime>>())
        {
            AccessLog = config.Edge.AccessLog.Enabled
                ? new AccessLog(accessLogOutput ?? Console.OpenStandardOutput(), accessLogOutput is null ? null : config.Edge.AccessLog.Path,
                    metrics.AccessLogDropped, services.GetRequiredService<ILogger<AccessLog>>())
                : null,
        });
        AddForwarding(builder.Services, config.Edge);
        builder.Services.AddSingleton<AdminEndpoints>();
        builder.Services.AddSingleton<SystemdNotifier>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SystemdNotifier>());
        builder.Services.AddSingleton<IReloadNotifier>(services => services.GetRequiredService<SystemdNotifier>());
        builder.Services.AddSingleton<ConfigReloader>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ConfigReloader>());
        builder.Services.AddHostedService<ConfigWatcher>();
        builder.Services.AddHostedService<AccessLogReopener>();
        builder.Services.AddSingleton<Health.HealthAgent>();
        builder.Services.AddHostedService(services => services.GetRequiredService<Health.HealthAgent>());
        builder.Services.AddSingleton(services => new Dns.DnsReconciler(
            services.GetRequiredService<EdgeRuntime>(),
            services.GetRequiredService<Health.HealthAgent>(),
            metrics,
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<Dns.DnsReconciler>>(),
            options => Dns.DnsProviderFactory.Create(options, services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILoggerFactory>()),
            config.Fleet is null ? null : Dns.DnsFleet.From(services.GetRequiredService<Fleet.FleetMembership>())));
        builder.Services.AddHostedService(services => services.GetRequiredService<Dns.DnsReconciler>());
        AddFleet(builder.Services, config, inputs);

        var app = builder.Build();
        var startupLogger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("NeuroPilot.Edge");
        foreach (var warning in inputs.Warnings)
        {
            LogStartupWarning(startupLogger, warning);
        }

        var proxy = app.Services.GetRequiredService<EdgeProxy>();
        var admin = app.Services.GetRequiredService<AdminEndpoints>();
        var adminPort = config.Edge.Admin.Listen.Port;
        app.Run(context => context.Connection.LocalPort == adminPort ? admin.InvokeAsync(context) : proxy.InvokeAsync(context));
        return app;
    }

    /// <summary>
    /// The empty builder and Kestrel's core: no configuration sources (no appsettings.json and its file watcher, no
    /// environment variables read as config: the edge's config is its file), no routing, no host filtering.
    /// </summary>
    private static WebApplicationBuilder CreateBuilder()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseKestrelCore();
        return builder;
    }

    /// <summary>
    /// Our types' loggers as closed registrations: the container would close <c>ILogger&lt;&gt;</c> for each at run time,
    /// and Native AOT then builds every <c>Logger&lt;T&gt;</c> type at start (the type loader: about half a millisecond each).
    /// </summary>
    private static void AddLoggers(IServiceCollection services)
    {
        AddLogger<ServerTls>(services);
        AddLogger<UpstreamTlsMaterials>(services);
        AddLogger<EdgeRuntime>(services);
        AddLogger<AccessLog>(services);
        AddLogger<Http1Engine>(services);
        AddLogger<AdminEndpoints>(services);
        AddLogger<SystemdNotifier>(services);
        AddLogger<ConfigReloader>(services);
        AddLogger<ConfigWatcher>(services);
        AddLogger<Health.HealthAgent>(services);
        AddLogger<Dns.DnsReconciler>(services);
    }

    private static void AddLogger<T>(IServiceCollection services) =>
        services.AddSingleton<ILogger<T>>(provider => provider.GetRequiredService<ILoggerFactory>().CreateLogger<T>());

    /// <summary>The proxy and its two engines (the fast one on the event threads when <c>Edge.Scheduling</c> is inline).</summary>
    private static void AddForwarding(IServiceCollection services, EdgeOptions edge)
    {
        services.AddSingleton(provider => new YarpEngine(provider.GetRequiredService<Yarp.ReverseProxy.Forwarder.IHttpForwarder>()));
        services.AddSingleton(provider => new Http1Engine(
            provider.GetRequiredService<YarpEngine>(),
            provider.GetRequiredService<TimeProvider>(),
            edge.Scheduling == IoScheduling.Inline,
            provider.GetRequiredService<ILogger<Http1Engine>>()));
        services.AddSingleton<EdgeProxy>();
    }

    /// <summary>With a <c>Fleet</c> section: this edge's membership (lease, published views) and the fleet's view; without, nothing.</summary>
    private static void AddFleet(IServiceCollection services, EdgeConfig config, StartupInputs inputs)
    {
        if (config.Fleet is not { } fleet)
        {
            return;
        }

        services.AddSingleton(provider => new Fleet.FleetMembership(
            fleet,
            inputs.Etcd,
            provider.GetRequiredService<EdgeRuntime>(),
            provider.GetRequiredService<Health.HealthAgent>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILoggerFactory>(),
            provider.GetRequiredService<EdgeMetrics>()));
        services.AddHostedService(provider => provider.GetRequiredService<Fleet.FleetMembership>());
    }

    /// <summary>Runs until SIGTERM/SIGINT, then stops accepting, drains in-flight requests and returns 0.</summary>
    public static async Task<int> RunAsync(WebApplication app, EdgeConfig config)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("NeuroPilot.Edge");
        var runtime = app.Services.GetRequiredService<EdgeRuntime>();
        try
        {
            await app.StartAsync();
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            // ListenerCheck found the listeners free a moment ago; something took one since.
            LogStartFailed(logger, ConfigError.OneLine(e.Message));
            return 1;
        }

        LogStarted(logger, EdgeVersion.Current, string.Join(", ", config.Edge.Listen), config.Edge.Admin.Listen.ToString(),
            runtime.ConfigPath ?? "(built in)", config.Services.Count);
        var exitCode = 0;
        try
        {
            await app.WaitForShutdownAsync();
            LogStopped(logger);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A hosted service that fails to stop must not turn a clean SIGTERM into a crash with a stack trace.
            LogStopFailed(logger, e.GetType().Name, ConfigError.OneLine(e.Message));
            exitCode = 1;
        }

        if (runtime.AccessLog is { } accessLog)
        {
            await accessLog.DisposeAsync();
        }

        await app.DisposeAsync();
        return exitCode;
    }

    private static void ConfigureLogging(ILoggingBuilder logging, LoggingOptions options)
    {
        logging.ClearProviders();
        if (options.Format == LogFormat.Json)
        {
            logging.AddJsonConsole(console =>
            {
                console.IncludeScopes = false;
                console.UseUtcTimestamp = true;
                console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                console.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            });
        }
        else
        {
            logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.IncludeScopes = false;
                console.UseUtcTimestamp = true;
                console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
        }

        // Event logs go to stderr; stdout is left to the access log ("-").
        logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        logging.SetMinimumLevel(options.Level);

        // Hosting.Diagnostics builds a scope and log object per request even when nothing is written: off.
        logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        // YARP logs every failed request (with a stack trace): one line per request, which the edge never does by
        // default. The edge logs state changes instead (breakers, probes, failovers); Debug brings YARP's lines back.
        logging.AddFilter("Yarp", options.Level <= LogLevel.Debug ? LogLevel.Debug : LogLevel.None);
    }

    private static void ConfigureKestrel(IWebHostBuilder webHost, EdgeOptions edge, ConnectionLimiter connections, EdgeMetrics metrics)
    {
        // Inline: a request runs on the socket event thread that read it (see IoScheduling); the process-wide half,
        // .NET's inline socket completions, is switched on by the run command before any socket exists.
        webHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = edge.Scheduling == IoScheduling.Inline);
        webHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            var limits = edge.Limits;
            kestrel.Limits.MaxRequestHeadersTotalSize = limits.MaxRequestHeadersTotalSize;
            kestrel.Limits.MaxRequestHeaderCount = limits.MaxRequestHeaderCount;
            kestrel.Limits.MaxRequestLineSize = limits.MaxRequestLineSize;
            kestrel.Limits.KeepAliveTimeout = limits.KeepAliveTimeout;
            kestrel.Limits.RequestHeadersTimeout = limits.RequestHeadersTimeout;
            foreach (var url in edge.Listen)
            {
                Listen(kestrel, url, listen =>
                {
                    listen.Use(connections.Wrap);
                    if (url.Scheme != Uri.UriSchemeHttps)
                    {
                        // Plain listeners stay HTTP/1.1: h2c is for upstreams, no browser speaks it.
                        listen.Protocols = HttpProtocols.Http1;
                        return;
                    }

                    // ALPN offers h2 and http/1.1; plain HTTP on this port is answered 400 before TLS sees it.
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    listen.Use(new PlainHttpRejection(edge.Tls.HandshakeTimeout, TimeProvider.System, metrics.TlsPlainHttpRejected).Wrap);
                    listen.UseHttps(kestrel.ApplicationServices.GetRequiredService<ServerTls>().HandshakeOptions());
                });
            }

            Listen(kestrel, edge.Admin.Listen, listen => listen.Protocols = HttpProtocols.Http1);
        });
    }

    private static void Listen(KestrelServerOptions kestrel, Uri url, Action<ListenOptions> configure)
    {
        if (url.Host == "localhost")
        {
            kestrel.ListenLocalhost(url.Port, configure);
        }
        else if (url.Host is "*" or "+")
        {
            kestrel.ListenAnyIP(url.Port, configure);
        }
        else
        {
            kestrel.Listen(IPAddress.Parse(url.Host.Trim('[', ']')), url.Port, configure);
        }
    }
}

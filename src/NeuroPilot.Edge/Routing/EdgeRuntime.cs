using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Routing;

/// <summary>
/// The running edge's current config and routing table. A reload builds a whole new table off the request path and
/// swaps it in with one reference write; requests in flight keep the table they started with.
/// </summary>
public sealed partial class EdgeRuntime
{
    private readonly Func<EdgeConfig, RoutingTable?, RoutingTable> _build;
    private readonly ConfigCheck _featureChecks;
    private readonly EdgeMetrics _metrics;
    private readonly ILogger<EdgeRuntime> _logger;
    private readonly TimeProvider _time;
    private readonly Lock _reloadLock = new();
    private volatile RoutingTable _table;
    private volatile EdgeConfig _config;
    /// <summary>The text of the applied config: a reload of the same text is "unchanged" (compared whole, no hash: no crypto library loaded for it).</summary>
    private string _appliedText;

    /// <param name="build">Builds a routing table from a config, carrying over the state of the previous table (the composition root's <c>RoutingTableBuilder.Build</c>).</param>
    /// <param name="featureChecks">The features' config checks a reloaded config must also pass (the composition root's <c>EdgeConfigChecks.All</c>).</param>
    public EdgeRuntime(
        string? configPath,
        EdgeConfig config,
        string configText,
        Func<EdgeConfig, RoutingTable?, RoutingTable> build,
        ConfigCheck featureChecks,
        EdgeMetrics metrics,
        TimeProvider time,
        ILogger<EdgeRuntime> logger)
    {
        ConfigPath = configPath;
        _build = build;
        _featureChecks = featureChecks;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _config = config;
        _table = build(config, null);
        _appliedText = configText;
        metrics.ConfigLoaded.Set(time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
    }

    /// <summary>The file the config came from; null when it was built in (demo).</summary>
    public string? ConfigPath { get; }

    public EdgeConfig Config => _config;

    public RoutingTable Table => _table;

    public AccessLog? AccessLog { get; init; }

    /// <summary>Raised (outside any lock) after a new routing table is in place.</summary>
    public event Action<RoutingTable>? TableChanged;

    /// <summary>
    /// Re-reads the config file; applies it when valid and changed, otherwise keeps serving the old one. Called by
    /// <see cref="ConfigReloader"/> only, one call at a time.
    /// </summary>
    public ReloadResult ReloadFromFile(string trigger)
    {
        if (ConfigPath is null)
        {
            return ReloadResult.Unchanged;
        }

        string text;
        try
        {
            // A regular file of at most 4 MiB: a FIFO or a device at the path is rejected at once, never waited on.
            text = ConfigFile.Read(ConfigPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogReloadUnreadable(ConfigPath, e.Message);
            _metrics.ConfigReloads.WithLabels("rejected").Inc();
            return ReloadResult.Rejected;
        }

        return Apply(text, trigger);
    }

    public ReloadResult Apply(string text, string trigger)
    {
        RoutingTable table;
        lock (_reloadLock)
        {
            if (string.Equals(text, _appliedText, StringComparison.Ordinal))
            {
                _metrics.ConfigReloads.WithLabels("unchanged").Inc();
                return ReloadResult.Unchanged;
            }

            EdgeConfig config;
            try
            {
                config = ConfigLoader.Load(text, _featureChecks);
            }
            catch (ConfigException e)
            {
                LogReloadRejected(trigger, e.Errors.Count);
                foreach (var error in e.Errors)
                {
                    LogConfigError(error.ToString());
                }

                _metrics.ConfigReloads.WithLabels("rejected").Inc();
                return ReloadResult.Rejected;
            }

            WarnAboutRestartOnlyChanges(_config.Edge, config.Edge);
            table = _build(config, _table);
            _config = config;
            _table = table;
            _appliedText = text;
        }

        _metrics.ConfigReloads.WithLabels("applied").Inc();
        _metrics.ConfigLoaded.Set(_time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
        LogReloadApplied(trigger, table.Services.Length);
        TableChanged?.Invoke(table);
        return ReloadResult.Applied;
    }

    private void WarnAboutRestartOnlyChanges(EdgeOptions old, EdgeOptions next)
    {
        var (a, b) = (old.Limits, next.Limits);
        if (a.MaxConnections != b.MaxConnections || a.MaxRequestHeadersTotalSize != b.MaxRequestHeadersTotalSize ||
            a.MaxRequestHeaderCount != b.MaxRequestHeaderCount || a.MaxRequestLineSize != b.MaxRequestLineSize ||
            a.KeepAliveTimeout != b.KeepAliveTimeout || a.RequestHeadersTimeout != b.RequestHeadersTimeout)
        {
            LogRestartNeeded("Edge.Limits");
        }

        if (!old.Listen.SequenceEqual(next.Listen) || old.Admin.Listen != next.Admin.Listen)
        {
            LogRestartNeeded("Edge.Listen / Edge.Admin.Listen");
        }

        if (!old.Tls.SameAs(next.Tls))
        {
            // The files themselves reload on their own; which files, and how the listeners use them, is fixed at start.
            LogRestartNeeded("Edge.Tls");
        }

        if (old.Logging.Format != next.Logging.Format || old.Logging.Level != next.Logging.Level ||
            old.AccessLog.Enabled != next.AccessLog.Enabled || old.AccessLog.Path != next.AccessLog.Path)
        {
            LogRestartNeeded("Edge.Logging / Edge.AccessLog");
        }

        if (old.Scheduling != next.Scheduling || old.EventThreads != next.EventThreads)
        {
            LogRestartNeeded("Edge.Scheduling / Edge.EventThreads");
        }
    }
}

using System.Runtime.InteropServices;

namespace NeuroPilot.Edge.Hosting;

/// <summary>
/// Reloads the config when its file changes (watched folder, debounced: editors write in several steps and often
/// replace the file by rename) and on SIGHUP.
/// </summary>
public sealed partial class ConfigWatcher(EdgeRuntime runtime, TimeProvider time, ILogger<ConfigWatcher> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);

    private FileSystemWatcher? _watcher;
    private PosixSignalRegistration? _sighup;
    private ITimer? _timer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            Reload("SIGHUP");
        });

        if (runtime.ConfigPath is { } path)
        {
            var full = Path.GetFullPath(path);
            _timer = time.CreateTimer(_ => Reload("file change"), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!, Path.GetFileName(full))
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            _watcher.Changed += OnFileEvent;
            _watcher.Created += OnFileEvent;
            _watcher.Renamed += OnFileEvent;
            _watcher.Error += (_, e) => LogWatchError(e.GetException().Message);
            _watcher.EnableRaisingEvents = true;
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _watcher = null;
        _sighup?.Dispose();
        _sighup = null;
        _timer?.Dispose();
        _timer = null;
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e) => _timer?.Change(Debounce, Timeout.InfiniteTimeSpan);

    private void Reload(string trigger)
    {
        try
        {
            runtime.ReloadFromFile(trigger);
        }
        catch (Exception e)
        {
            // A reload must never take the process down; the old config keeps serving.
            LogReloadFailed(trigger, e);
        }
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Config file watch error: {Reason}; SIGHUP still reloads")]
    private partial void LogWatchError(string reason);

    [LoggerMessage(EventId = 111, Level = LogLevel.Error, Message = "Config reload ({Trigger}) failed unexpectedly; the running config keeps serving")]
    private partial void LogReloadFailed(string trigger, Exception exception);
}

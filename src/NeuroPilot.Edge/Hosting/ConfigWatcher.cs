using System.Runtime.InteropServices;
using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Hosting;

/// <summary>
/// Asks for a config reload when its file changes (watched folder, debounced: editors write in several steps and
/// often replace the file by rename) and on SIGHUP. The reload itself is <see cref="ConfigReloader"/>'s: a signal or
/// a file event never reads the file on its own thread.
/// </summary>
public sealed partial class ConfigWatcher(EdgeRuntime runtime, ConfigReloader reloader, TimeProvider time, ILogger<ConfigWatcher> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);

    private FileSystemWatcher? _watcher;
    private PosixSignalRegistration? _sighup;
    private ITimer? _timer;
    private string _fileName = "";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            _ = reloader.RequestAsync("SIGHUP");
        });

        if (runtime.ConfigPath is { } path)
        {
            var full = Path.GetFullPath(path);
            _fileName = Path.GetFileName(full);
            _timer = time.CreateTimer(_ => reloader.RequestAsync("file change"), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            try
            {
                // The whole folder is watched, not the file's name alone: Kubernetes swaps a ConfigMap by renaming a
                // "..data" symlink, and editors replace files by rename. A reload of unchanged content is a no-op.
                _watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!)
                {
                    NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
                };
                _watcher.Changed += OnFileEvent;
                _watcher.Created += OnFileEvent;
                _watcher.Renamed += OnFileEvent;
                _watcher.Error += (_, e) => LogWatchError(e.GetException().Message);
                _watcher.EnableRaisingEvents = true;
            }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
            {
                // Out of inotify instances or watches, or a folder that cannot be watched: SIGHUP still reloads.
                _watcher?.Dispose();
                _watcher = null;
                LogWatchError(e.Message);
            }
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

    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        // The config file itself, or Kubernetes' "..data"/"..2026_..." entries; not an access log beside it.
        var name = e.Name ?? "";
        var old = (e as RenamedEventArgs)?.OldName ?? "";
        if (name == _fileName || old == _fileName || name.StartsWith("..", StringComparison.Ordinal) || old.StartsWith("..", StringComparison.Ordinal))
        {
            _timer?.Change(Debounce, Timeout.InfiniteTimeSpan);
        }
    }
}

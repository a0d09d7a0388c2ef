using System.Runtime.InteropServices;

namespace NeuroPilot.Edge.Hosting;

/// <summary>
/// Reloads the config when its file changes (watched folder, debounced: editors write in several steps and often
/// replace the file by rename) and on SIGHUP.
/// </summary>
public sealed partial class ConfigWatcher(EdgeRuntime runtime, SystemdNotifier notifier, TimeProvider time, ILogger<ConfigWatcher> logger) : IHostedService, IDisposable
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
            Reload("SIGHUP");
        });

        if (runtime.ConfigPath is { } path)
        {
            var full = Path.GetFullPath(path);
            _fileName = Path.GetFileName(full);
            _timer = time.CreateTimer(_ => Reload("file change"), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
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

    private void Reload(string trigger)
    {
        var result = ReloadResult.Rejected;
        notifier.NotifyReloading($"reloading ({trigger})");
        try
        {
            result = runtime.ReloadFromFile(trigger);
        }
        catch (Exception e)
        {
            // A reload must never take the process down; the old config keeps serving.
            LogReloadFailed(trigger, e);
        }
        finally
        {
            notifier.NotifyReady(result == ReloadResult.Rejected ? "serving; last reload rejected" : "serving");
        }
    }
}

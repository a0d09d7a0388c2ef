using System.Security.Cryptography;
using NeuroPilot.Edge.Telemetry;
using Prometheus;

namespace NeuroPilot.Edge.Authentication;

/// <summary>
/// One JWKS file and the keys now read from it: loaded when created, re-read on config reload (<see cref="Refresh"/>)
/// and when the file changes (<see cref="Watch"/>: its folder is watched, as certbot and Kubernetes replace files by
/// rename, with a slow poll behind it). Keys are replaced whole with one reference write; unchanged content keeps the
/// same key objects. A new file that cannot be used (unreadable, not a JWKS, no usable key) keeps the old keys, is
/// logged once with the path and counted in <c>neuropilot_edge_jwt_keys_reloads_total{result="rejected"}</c>.
/// </summary>
public sealed partial class JwksFile : IDisposable
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly ILogger<JwksFile> _logger;
    private readonly Counter.Child _applied;
    private readonly Counter.Child _rejected;
    private volatile JsonWebKeySet _keys = JsonWebKeySet.Empty;
    private byte[]? _seenHash;
    private string? _lastProblem;
    private FileSystemWatcher? _watcher;
    private System.Threading.ITimer? _timer;
    private string _fileName = "";
    private TimeSpan _debounce;
    private TimeSpan _poll;

    /// <summary>Reads <paramref name="path"/> at once; when it cannot be used, the set is empty (every token refused) until it can.</summary>
    public JwksFile(string path, EdgeMetrics metrics, TimeProvider time, ILogger<JwksFile> logger)
    {
        Path = path;
        _time = time;
        _logger = logger;
        _applied = metrics.JwtKeysReloads.WithLabels("applied");
        _rejected = metrics.JwtKeysReloads.WithLabels("rejected");
        Refresh("start");
    }

    public string Path { get; }

    /// <summary>The keys in use: read by every request, replaced whole.</summary>
    public JsonWebKeySet Keys => _keys;

    /// <summary>Re-reads the file; true when its new keys are now in use. Never throws.</summary>
    public bool Refresh(string trigger)
    {
        lock (_lock)
        {
            byte[] bytes;
            try
            {
                bytes = JsonWebKeySet.Read(Path);
            }
            catch (JsonWebKeySetException e)
            {
                return Reject(trigger, e.Message);
            }

            var hash = SHA256.HashData(bytes);
            if (_seenHash is not null && hash.AsSpan().SequenceEqual(_seenHash))
            {
                return false;
            }

            _seenHash = hash;
            JsonWebKeySet keys;
            try
            {
                keys = JsonWebKeySet.Parse(bytes);
            }
            catch (JsonWebKeySetException e)
            {
                return Reject(trigger, e.Message);
            }

            if (keys.Keys.Count == 0)
            {
                return Reject(trigger, $"has no usable key ({string.Join("; ", keys.Skipped)})");
            }

            _keys = keys;
            _lastProblem = null;
            _applied.Inc();
            LogKeysLoaded(Path, trigger, keys.ToString());
            foreach (var skipped in keys.Skipped)
            {
                LogKeySkipped(Path, skipped);
            }

            return true;
        }
    }

    /// <summary>
    /// Starts watching: a change in the file's folder that concerns it is read <paramref name="debounce"/> after the
    /// last event, and the file is re-read every <paramref name="poll"/> anyway (only a change of content counts).
    /// </summary>
    public void Watch(TimeSpan debounce, TimeSpan poll)
    {
        lock (_lock)
        {
            if (_timer is not null)
            {
                return;
            }

            _debounce = debounce;
            _poll = poll;
            _timer = _time.CreateTimer(static state => ((JwksFile)state!).OnTimer(), this, poll, poll);
            var full = System.IO.Path.GetFullPath(Path);
            _fileName = System.IO.Path.GetFileName(full);
            try
            {
                _watcher = new FileSystemWatcher(System.IO.Path.GetDirectoryName(full)!)
                {
                    NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
                };
                _watcher.Changed += OnFileEvent;
                _watcher.Created += OnFileEvent;
                _watcher.Renamed += OnFileEvent;
                _watcher.Deleted += OnFileEvent;
                _watcher.EnableRaisingEvents = true;
            }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                // The folder may not exist yet (a volume mounted later): the poll still finds the file.
                _watcher?.Dispose();
                _watcher = null;
                LogWatchFailed(Path, e.Message);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _watcher?.Dispose();
            _watcher = null;
            _timer?.Dispose();
            _timer = null;
        }
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        // The file itself, or Kubernetes' "..data" / "..2026_..." entries of a mounted Secret or ConfigMap.
        var name = e.Name ?? "";
        var old = (e as RenamedEventArgs)?.OldName ?? "";
        if (name == _fileName || old == _fileName || name.StartsWith("..", StringComparison.Ordinal) || old.StartsWith("..", StringComparison.Ordinal))
        {
            _timer?.Change(_debounce, _poll);
        }
    }

    private void OnTimer()
    {
        try
        {
            Refresh("file change");
        }
        catch (Exception e)
        {
            // A timer callback must never take the process down; the keys in use stay.
            LogRefreshFailed(Path, e.Message);
        }
    }

    private bool Reject(string trigger, string problem)
    {
        // A file that stays broken is reported once, not on every poll.
        if (problem != _lastProblem)
        {
            _lastProblem = problem;
            _rejected.Inc();
            LogKeysRejected(Path, trigger, problem, _keys.Keys.Count);
        }

        return false;
    }
}

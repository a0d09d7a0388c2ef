using System.Security.Cryptography;
using NeuroPilot.Edge.Configuration.Internal;

namespace NeuroPilot.Edge.Tls.Internal;

/// <summary>
/// A value made from one or more files (a certificate and its key, a CA bundle, a JWKS) that follows the files
/// when they change, and keeps the last good value when a change is broken. One type for every such file, so they
/// all behave alike:
/// <list type="bullet">
/// <item>Changes are noticed by events in the files' folders (debounced by <see cref="ReloadableFileOptions.Settle"/>;
/// the folder, not the file, because certbot swaps the symlinks in <c>live/</c> and Kubernetes renames a
/// <c>..data</c> symlink), and by reading the files again every <see cref="ReloadableFileOptions.RecheckInterval"/>,
/// for changes no event announces (a symlink's target rewritten in another folder, an event queue overflow).</item>
/// <item>What is compared is the content read through the symlinks (SHA-256), so a rename, a symlink swap and an
/// in-place write are one case, and a touch without a change reloads nothing.</item>
/// <item>A new content that cannot be read or parsed is reported (logged once, <see cref="Rejected"/> raised once)
/// only when it is still there <see cref="ReloadableFileOptions.Settle"/> later: a certificate written a moment
/// before its key is a renewal in progress, not a broken one. Until the files change again it is not reported
/// again, and <see cref="Current"/> stays what it was.</item>
/// </list>
/// All timing comes from the <see cref="TimeProvider"/>: with a fake one and <see cref="ReloadableFileOptions.WatchFolders"/>
/// off, a test drives every check by advancing the clock. Events are raised outside the lock, on a timer thread.
/// </summary>
/// <typeparam name="T">The value made from the files; immutable, swapped whole.</typeparam>
internal sealed class ReloadableFile<T> : IDisposable
    where T : class
{
    private readonly string _what;
    private readonly Func<T, string>? _describe;
    private readonly IReadOnlyList<string> _paths;
    private readonly Func<IReadOnlyList<FileContent>, T> _parse;
    private readonly ReloadableFileOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly ITimer _recheck;
    private readonly ITimer _settle;
    private readonly Dictionary<string, HashSet<string>> _namesByFolder = new(StringComparer.Ordinal);
    private readonly List<FileSystemWatcher> _watchers = [];
    private volatile T? _current;
    private byte[]? _currentHash;
    private string? _seenFailure;
    private string? _reportedFailure;
    private bool _disposed;

    /// <param name="what">What the files are, for the log (<c>certificate "a.test"</c>).</param>
    /// <param name="paths">The files, as the config names them.</param>
    /// <param name="parse">Makes the value from the files' contents (in <paramref name="paths"/>' order); throws
    /// <see cref="FileRejectedException"/> naming the file at fault.</param>
    /// <param name="initial">The value loaded at start-up (<see cref="Load"/>) and the hash of its files, or null
    /// when nothing good was ever loaded (then <see cref="Current"/> is null until the files become good).</param>
    /// <param name="describe">What a new value is, for the reload's log line (names, expiry); never a secret.</param>
    public ReloadableFile(string what, IReadOnlyList<string> paths, Func<IReadOnlyList<FileContent>, T> parse,
        (T Value, byte[] Hash)? initial, ReloadableFileOptions options, TimeProvider time, ILogger logger, Func<T, string>? describe = null)
    {
        _what = what;
        _describe = describe;
        _paths = paths;
        _parse = parse;
        _options = options;
        _logger = logger;
        if (initial is { } loaded)
        {
            _current = loaded.Value;
            _currentHash = loaded.Hash;
        }

        _settle = time.CreateTimer(static state => ((ReloadableFile<T>)state!).Check(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _recheck = time.CreateTimer(static state => ((ReloadableFile<T>)state!).Check(), this, options.RecheckInterval, options.RecheckInterval);
        if (options.WatchFolders)
        {
            Watch();
        }
    }

    /// <summary>The value made from the last good files; null only when no good files were ever read.</summary>
    public T? Current => _current;

    /// <summary>The files, as the config names them.</summary>
    public IReadOnlyList<string> Paths => _paths;

    /// <summary>Raised after <see cref="Current"/> changed to a value made from new files.</summary>
    public event Action<T>? Reloaded;

    /// <summary>Raised once per broken content (the file at fault and the reason); <see cref="Current"/> is unchanged.</summary>
    public event Action<string, string>? Rejected;

    /// <summary>Reads <paramref name="paths"/> and parses them once, for start-up and <c>check</c>.</summary>
    /// <exception cref="FileRejectedException">A file cannot be read, or <paramref name="parse"/> refused it.</exception>
    public static (T Value, byte[] Hash) Load(IReadOnlyList<string> paths, Func<IReadOnlyList<FileContent>, T> parse, int maxFileBytes)
    {
        var contents = Read(paths, maxFileBytes);
        return (Parse(parse, contents), Hash(contents));
    }

    /// <summary>Reads the files now and takes them when they changed and are good (what the timers and events call).</summary>
    public void Check()
    {
        T? reloaded = null;
        var first = false;
        FileRejectedException? rejected = null;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            byte[] hash;
            try
            {
                var contents = Read(_paths, _options.MaxFileBytes);
                hash = Hash(contents);
                if (_currentHash is not null && hash.AsSpan().SequenceEqual(_currentHash))
                {
                    // Unchanged, or back to the good files after a broken spell.
                    _seenFailure = null;
                    _reportedFailure = null;
                    return;
                }

                reloaded = Parse(_parse, contents);
            }
            catch (FileRejectedException e)
            {
                rejected = e;
                hash = [];
            }

            if (reloaded is not null)
            {
                first = _current is null;
                _current = reloaded;
                _currentHash = hash;
                _seenFailure = null;
                _reportedFailure = null;
            }
            else if (!IsDueForReport(hash, rejected!))
            {
                return;
            }
        }

        if (reloaded is not null)
        {
            AnnounceReloaded(reloaded, first);
        }
        else
        {
            AnnounceRejected(rejected!);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _recheck.Dispose();
        _settle.Dispose();
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }
    }

    /// <summary>
    /// Under the lock: whether a broken content is to be reported now. The same broken content (or the same read
    /// failure) is reported once; the first sighting waits a settle time for the writer to finish (certificate first,
    /// key next).
    /// </summary>
    private bool IsDueForReport(byte[] hash, FileRejectedException rejected)
    {
        var failure = $"{Convert.ToHexString(hash)}|{rejected.Path}|{rejected.Message}";
        if (failure == _reportedFailure)
        {
            return false;
        }

        if (failure != _seenFailure)
        {
            _seenFailure = failure;
            _settle.Change(_options.Settle, Timeout.InfiniteTimeSpan);
            return false;
        }

        _seenFailure = null;
        _reportedFailure = failure;
        return true;
    }

    /// <summary>Outside the lock: the log line and <see cref="Reloaded"/> for a value now in use.</summary>
    private void AnnounceReloaded(T reloaded, bool first)
    {
        var description = _describe?.Invoke(reloaded) ?? "in use for new connections";
        if (first)
        {
            ReloadableFileLog.Loaded(_logger, _what, string.Join(", ", _paths), description);
        }
        else
        {
            ReloadableFileLog.Reloaded(_logger, _what, string.Join(", ", _paths), description);
        }

        Reloaded?.Invoke(reloaded);
    }

    /// <summary>Outside the lock: the log line and <see cref="Rejected"/> for a broken content, once.</summary>
    private void AnnounceRejected(FileRejectedException rejected)
    {
        ReloadableFileLog.Rejected(_logger, _what, rejected.Path, rejected.Message, _current is null ? "nothing is served from these files yet" : "the previous one stays in use");
        Rejected?.Invoke(rejected.Path, rejected.Message);
    }

    private static IReadOnlyList<FileContent> Read(IReadOnlyList<string> paths, int maxFileBytes)
    {
        var contents = new FileContent[paths.Count];
        for (var i = 0; i < contents.Length; i++)
        {
            try
            {
                contents[i] = new FileContent(paths[i], UnixFile.ReadRegular(paths[i], maxFileBytes, out _));
            }
            catch (IOException e)
            {
                throw new FileRejectedException(paths[i], $"cannot read: {e.Message}");
            }
            catch (UnauthorizedAccessException e)
            {
                throw new FileRejectedException(paths[i], $"cannot read: {e.Message}");
            }
        }

        return contents;
    }

    private static T Parse(Func<IReadOnlyList<FileContent>, T> parse, IReadOnlyList<FileContent> contents)
    {
        try
        {
            return parse(contents);
        }
        catch (FileRejectedException)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A parser bug must not stop the watching; name the first file and the kind of failure.
            throw new FileRejectedException(contents[0].Path, $"cannot be used ({e.GetType().Name})");
        }
    }

    private static byte[] Hash(IReadOnlyList<FileContent> contents)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[sizeof(int)];
        foreach (var content in contents)
        {
            // Length-prefixed, so moving bytes from one file to the next is a change.
            BitConverter.TryWriteBytes(length, content.Bytes.Length);
            sha.AppendData(length);
            sha.AppendData(content.Bytes);
        }

        return sha.GetHashAndReset();
    }

    private void Watch()
    {
        foreach (var path in _paths)
        {
            var full = System.IO.Path.GetFullPath(path);
            var folder = System.IO.Path.GetDirectoryName(full) ?? "/";
            if (!_namesByFolder.TryGetValue(folder, out var names))
            {
                _namesByFolder[folder] = names = new HashSet<string>(StringComparer.Ordinal);
            }

            names.Add(System.IO.Path.GetFileName(full));
        }

        foreach (var (folder, names) in _namesByFolder)
        {
            FileSystemWatcher? watcher = null;
            try
            {
                watcher = new FileSystemWatcher(folder)
                {
                    NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.Size | NotifyFilters.CreationTime,
                };
                FileSystemEventHandler onEvent = (_, e) => OnFileEvent(names, e);
                watcher.Changed += onEvent;
                watcher.Created += onEvent;
                watcher.Deleted += onEvent;
                watcher.Renamed += (_, e) => OnFileEvent(names, e);
                watcher.Error += (_, e) =>
                {
                    // Overflow or a watch that died: read now, and the periodic check carries on.
                    ReloadableFileLog.WatchError(_logger, _what, folder, e.GetException().Message);
                    _settle.Change(_options.Settle, Timeout.InfiniteTimeSpan);
                };
                watcher.EnableRaisingEvents = true;
                _watchers.Add(watcher);
            }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
            {
                // A missing folder, or out of inotify instances: the periodic check still finds every change.
                watcher?.Dispose();
                ReloadableFileLog.WatchError(_logger, _what, folder, e.Message);
            }
        }
    }

    private void OnFileEvent(HashSet<string> names, FileSystemEventArgs e)
    {
        // The files themselves, or Kubernetes' "..data" / "..2026_..." entries; not an unrelated file beside them.
        var name = e.Name ?? "";
        var old = (e as RenamedEventArgs)?.OldName ?? "";
        if (names.Contains(name) || names.Contains(old) || name.StartsWith("..", StringComparison.Ordinal) || old.StartsWith("..", StringComparison.Ordinal))
        {
            _settle.Change(_options.Settle, Timeout.InfiniteTimeSpan);
        }
    }
}

using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Authentication;

/// <summary>
/// Builds each service's <see cref="JwtAuthenticator"/> for a new routing table, keeping one watched
/// <see cref="JwksFile"/> per path across reloads: services naming the same file share it, a reload re-reads it
/// (unchanged content keeps the same key objects), and a file no service names any more stops being watched.
/// Called by <see cref="Routing.RoutingTableBuilder"/> under the runtime's reload lock; never on the request path.
/// </summary>
public sealed class JwtAuthenticatorFactory(EdgeMetrics metrics, TimeProvider time, ILoggerFactory loggers) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, JwksFile> _files = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    /// <summary>The service's authenticator, or null when it has no <c>Jwt</c> section.</summary>
    public JwtAuthenticator? Create(ServiceOptions service)
    {
        if (service.Jwt is not { } options)
        {
            return null;
        }

        JwksFile? file;
        lock (_lock)
        {
            if (!_files.TryGetValue(options.KeysFile, out file))
            {
                file = new JwksFile(options.KeysFile, metrics, time, loggers.CreateLogger<JwksFile>());
                file.Watch(JwtDefaults.KeysFileDebounce, JwtDefaults.KeysFilePollInterval);
                _files.Add(options.KeysFile, file);
            }
            else if (!_used.Contains(options.KeysFile))
            {
                file.Refresh("config reload");
            }

            _used.Add(options.KeysFile);
        }

        return new JwtAuthenticator(service.Name, options, new JwtValidator(options, file, time), metrics);
    }

    /// <summary>Ends a table build: files no service of it named stop being watched (requests of the old table may still read their keys).</summary>
    public void CompleteBuild()
    {
        lock (_lock)
        {
            foreach (var path in _files.Keys.ToList())
            {
                if (!_used.Contains(path))
                {
                    _files[path].Dispose();
                    _files.Remove(path);
                }
            }

            _used.Clear();
        }
    }

    /// <summary>The file object in use for <paramref name="path"/>, if any (tests, status).</summary>
    public JwksFile? Find(string path)
    {
        lock (_lock)
        {
            return _files.GetValueOrDefault(path);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var file in _files.Values)
            {
                file.Dispose();
            }

            _files.Clear();
            _used.Clear();
        }
    }
}

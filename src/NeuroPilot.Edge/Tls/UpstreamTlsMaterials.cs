using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Telemetry;
using NeuroPilot.Edge.Tls.Internal;

namespace NeuroPilot.Edge.Tls;

/// <summary>
/// One <see cref="UpstreamTlsMaterial"/> per distinct <c>UpstreamTls</c> setting, shared by the proxy's clients and
/// the prober so each file is watched and loaded once. Kept for the life of the process: a setting a reload removed
/// costs its watchers until exit (settings change rarely; a restart drops them).
/// </summary>
public sealed class UpstreamTlsMaterials(EdgeMetrics? metrics, TimeProvider time, ILogger<UpstreamTlsMaterials> logger) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<UpstreamTlsOptions, UpstreamTlsMaterial> _materials = [];
    private bool _disposed;

    internal ReloadableFileOptions FileOptions { get; init; } = new();

    /// <summary>The material of <paramref name="service"/>'s <c>UpstreamTls</c>; null when it has none.</summary>
    public UpstreamTlsMaterial? Get(ServiceOptions service) =>
        service.UpstreamTls is { } options ? Get(options, $"Services.{service.Name}.UpstreamTls") : null;

    public UpstreamTlsMaterial Get(UpstreamTlsOptions options, string what)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_materials.TryGetValue(options, out var material))
            {
                material = new UpstreamTlsMaterial(what, options, metrics, time, logger, FileOptions);
                _materials[options] = material;
            }

            return material;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var material in _materials.Values)
            {
                material.Dispose();
            }

            _materials.Clear();
        }
    }
}

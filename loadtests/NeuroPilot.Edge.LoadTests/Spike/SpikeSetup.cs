using System.Globalization;
using System.Text.Json.Nodes;
using NeuroPilot.Edge.LoadTests.Drill;

namespace NeuroPilot.Edge.LoadTests.Spike;

/// <summary>
/// The processes of one spike drill: the upstreams (<c>neuropilot-edge upstream</c>, region us-east) and the edge
/// with the drill's config, on free loopback ports, and its temp directory. Disposing stops them all, by pid.
/// </summary>
internal sealed class SpikeSetup(string edgeBinary, string directory) : IAsyncDisposable
{
    private readonly List<DrillProcess> _processes = [];
    private DrillProcess? _edge;

    public int EdgePort { get; private set; }

    public int AdminPort { get; private set; }

    public int EdgeProcessId => _edge?.ProcessId ?? 0;

    /// <summary>The config the edge runs with (JSON text).</summary>
    public string Config { get; private set; } = "";

    public string EdgeOutput() => _edge?.Output() ?? "";

    /// <exception cref="DrillException">A process did not start or did not become ready (the edge refused the config, for one).</exception>
    public async Task StartAsync(int upstreams, SpikeLimits limits, JsonObject? extra, TextWriter output, CancellationToken cancellationToken)
    {
        var ports = new int[upstreams];
        for (var i = 0; i < upstreams; i++)
        {
            ports[i] = DrillCommand.FreeLoopbackPort();
            Start($"{SpikeEdgeConfig.Region}-{i + 1}", ["upstream", "--listen", $"http://127.0.0.1:{Port(ports[i])}", "--region", SpikeEdgeConfig.Region]);
        }

        for (var i = 0; i < upstreams; i++)
        {
            await ReadinessProbe.WaitForOkAsync(_processes[i], Url(ports[i], "/healthz"), cancellationToken).ConfigureAwait(false);
        }

        EdgePort = DrillCommand.FreeLoopbackPort();
        AdminPort = DrillCommand.FreeLoopbackPort();
        Config = SpikeEdgeConfig.Build(EdgePort, AdminPort, ports, limits, extra);
        var configFile = Path.Combine(directory, "edge.json");
        await File.WriteAllTextAsync(configFile, Config, cancellationToken).ConfigureAwait(false);
        _edge = Start("edge", ["run", "--config", configFile]);
        await ReadinessProbe.WaitForOkAsync(_edge, Url(AdminPort, "/readyz"), cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"  edge on 127.0.0.1:{Port(EdgePort)} (admin :{Port(AdminPort)}, pid {_edge.ProcessId}); " +
            string.Join(", ", ports.Select((p, i) => $"upstream {SpikeEdgeConfig.Region} :{Port(p)} (pid {_processes[i].ProcessId})"))).ConfigureAwait(false);
    }

    public Uri MetricsUrl => Url(AdminPort, "/metrics");

    public async ValueTask DisposeAsync()
    {
        // Stop them all at once (each: SIGCONT, SIGTERM, SIGKILL after 5 s), by pid.
        await Task.WhenAll(_processes.Select(p => p.DisposeAsync().AsTask())).ConfigureAwait(false);
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A temp directory: best effort.
        }
    }

    private DrillProcess Start(string name, IReadOnlyList<string> arguments)
    {
        var process = DrillProcess.Start(name, edgeBinary, arguments);
        _processes.Add(process);
        return process;
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static Uri Url(int port, string path) => new($"http://127.0.0.1:{Port(port)}{path}");
}

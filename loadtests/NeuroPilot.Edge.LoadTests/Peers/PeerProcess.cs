using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using NeuroPilot.Edge.LoadTests.Platform;

namespace NeuroPilot.Edge.LoadTests.Peers;

/// <summary>
/// A running peer (nginx, HAProxy) on a free loopback port, forwarding to an upstream, with its config, pid, logs and
/// temp files in its own temp directory. Disposing stops it (SIGTERM, then SIGKILL after 5 s) and removes the directory.
/// </summary>
internal sealed class PeerProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly StringBuilder _output;
    private readonly string _runDirectory;

    private PeerProcess(string name, IPEndPoint listen, Process process, StringBuilder output, string runDirectory)
    {
        Name = name;
        Listen = listen;
        _process = process;
        _output = output;
        _runDirectory = runDirectory;
    }

    public string Name { get; }

    public IPEndPoint Listen { get; }

    public int ProcessId => _process.Id;

    /// <summary>
    /// Renders <c>PEERS/CONFIG</c> into a temp directory and starts the peer; returns once it accepts connections.
    /// </summary>
    /// <exception cref="PeerStartException">The peer is not installed, its config is missing or it did not start.</exception>
    public static async Task<PeerProcess> StartAsync(PeerDefinition peer, string peersDirectory, string upstreamHostPort, CancellationToken cancellationToken)
    {
        var executable = peer.LocateExecutable()
            ?? throw new PeerStartException($"{peer.Name}: \"{peer.Executable}\" is not installed (Debian: apt-get install {peer.Executable})");
        var template = Path.Combine(peersDirectory, peer.ConfigFile);
        if (!File.Exists(template))
        {
            throw new PeerStartException($"{peer.Name}: {template} does not exist");
        }

        var runDirectory = Directory.CreateTempSubdirectory($"neuropilot-peer-{peer.Name}-").FullName;

        // nginx started as root runs its workers as "nobody": they must be able to enter the directory.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(runDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        var listen = new IPEndPoint(IPAddress.Loopback, FreeLoopbackPort());
        var config = Path.Combine(runDirectory, peer.ConfigFile);
        var rendered = (await File.ReadAllTextAsync(template, cancellationToken).ConfigureAwait(false))
            .Replace("${NP_LISTEN}", listen.ToString(), StringComparison.Ordinal)
            .Replace("${NP_UPSTREAM}", upstreamHostPort, StringComparison.Ordinal)
            .Replace("${NP_RUNDIR}", runDirectory, StringComparison.Ordinal);
        await File.WriteAllTextAsync(config, rendered, cancellationToken).ConfigureAwait(false);

        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = runDirectory,
        };
        foreach (var argument in peer.Arguments(runDirectory, config))
        {
            start.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var running = new PeerProcess(peer.Name, listen, process, output, runDirectory);
        try
        {
            await running.WaitUntilListeningAsync(cancellationToken).ConfigureAwait(false);
            return running;
        }
        catch
        {
            await running.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _ = LinuxNative.Kill(_process.Id, LinuxNative.SigTerm);
                using var timeout = new CancellationTokenSource(s_stopTimeout);
                try
                {
                    await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
        finally
        {
            _process.Dispose();
            try
            {
                Directory.Delete(_runDirectory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // nginx workers may still be releasing temp files; the directory is in /tmp anyway.
            }
        }
    }

    private async Task WaitUntilListeningAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(s_startTimeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new PeerStartException($"{Name} exited with code {_process.ExitCode} at start:{Environment.NewLine}{Output()}");
            }

            using var probe = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(Listen, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (SocketException) when (Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new PeerStartException($"{Name} did not accept connections on {Listen} within {s_startTimeout.TotalSeconds:0} s ({e.Message}):{Environment.NewLine}{Output()}", e);
            }
        }
    }

    private string Output()
    {
        var errorLog = Path.Combine(_runDirectory, "error.log");
        lock (_output)
        {
            var text = _output.ToString();
            if (File.Exists(errorLog))
            {
                text += File.ReadAllText(errorLog);
            }

            return text.Length > 4000 ? text[^4000..] : text;
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            if (output.Length < 64 * 1024)
            {
                output.AppendLine(line);
            }
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}

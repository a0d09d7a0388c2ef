using System.Diagnostics;
using System.Text;
using NeuroPilot.Edge.LoadTests.Platform;

namespace NeuroPilot.Edge.LoadTests.Drill;

/// <summary>
/// A child process a drill started (an upstream or the edge), with its output kept (bounded). It is only ever
/// signalled by its own pid. <see cref="DisposeAsync"/> stops it: SIGCONT (in case it was stopped), SIGTERM, then
/// SIGKILL after 5 s.
/// </summary>
internal sealed class DrillProcess : IAsyncDisposable
{
    public const int SigKill = 9;

    private const int MaxOutput = 256 * 1024;
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private DrillProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <param name="environment">Variables set for the child on top of this process's own (a secret the edge reads, for one).</param>
    public static DrillProcess Start(string name, string executable, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (variable, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[variable] = value;
        }

        var process = new Process { StartInfo = start };
        var running = new DrillProcess(name, process);
        process.OutputDataReceived += (_, e) => running.Append(e.Data);
        process.ErrorDataReceived += (_, e) => running.Append(e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new DrillException($"cannot start {executable}: {e.Message}", e);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    /// <summary>Sends a signal to this process (by its pid); false when it has already exited.</summary>
    public bool Signal(int signal) => !_process.HasExited && LinuxNative.Kill(_process.Id, signal) == 0;

    /// <summary>SIGKILL, then waits (at most 5 s) until it is gone, so its port is free again.</summary>
    public async Task KillAsync()
    {
        if (Signal(SigKill))
        {
            using var timeout = new CancellationTokenSource(s_stopTimeout);
            try
            {
                await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Reaped later; the port is what matters and SIGKILL frees it.
            }
        }
    }

    /// <summary>Everything it printed so far (stdout and stderr, interleaved; the first 256 KiB).</summary>
    public string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _ = LinuxNative.Kill(_process.Id, LinuxNative.SigCont);
                _ = LinuxNative.Kill(_process.Id, LinuxNative.SigTerm);
                using var timeout = new CancellationTokenSource(s_stopTimeout);
                try
                {
                    await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _ = LinuxNative.Kill(_process.Id, SigKill);
                    using var reap = new CancellationTokenSource(s_stopTimeout);
                    await _process.WaitForExitAsync(reap.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            // Never started, or not reaped within 10 s after SIGKILL: nothing more to do by pid.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < MaxOutput)
            {
                _output.AppendLine(line);
            }
        }
    }
}

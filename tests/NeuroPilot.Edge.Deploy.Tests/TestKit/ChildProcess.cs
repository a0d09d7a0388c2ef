using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace NeuroPilot.Edge.Deploy.Tests.TestKit;

/// <summary>
/// A real child process with its output captured, signals sent with <c>kill</c>, and an exit awaited with a deadline.
/// Disposing kills it.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ChildProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Stdout and stderr lines so far, interleaved as received.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>Starts a process; <paramref name="environment"/> adds variables (a null value removes one).</summary>
    public static ChildProcess Start(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, string? stdin = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        var process = new Process { StartInfo = info };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => child.Add(e.Data);
        process.ErrorDataReceived += (_, e) => child.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }

        process.StandardInput.Close();
        return child;
    }

    /// <summary>Runs a command to its end; throws when it outlives the deadline.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> args, TimeSpan deadline, string? stdin = null)
    {
        using var process = Start(fileName, args, stdin: stdin);
        var exitCode = await process.WaitForExitAsync(deadline);
        return (exitCode, process.Output);
    }

    /// <summary>Sends a signal by name (TERM, HUP, KILL...) with <c>/bin/kill</c>.</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, Pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit(5_000);
    }

    public async Task<int> WaitForExitAsync(TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{_process.StartInfo.FileName} {string.Join(' ', _process.StartInfo.ArgumentList)} did not exit within {deadline.TotalSeconds:0.#} s; output:\n{Output}");
        }

        // The parameterless wait drains the redirected output.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }

        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }
}

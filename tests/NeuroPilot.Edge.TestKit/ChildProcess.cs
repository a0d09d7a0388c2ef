using System.Diagnostics;
using System.Globalization;
using NeuroPilot.Edge.Tests.TestKit.Internal;

namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>
/// A real child process with its output captured (<see cref="Output"/>), signals sent through libc <c>kill</c>,
/// and an exit awaited with a deadline. Disposing kills it (SIGKILL, which also ends a stopped process).
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process, ProcessOutput output)
    {
        _process = process;
        Output = output;
    }

    public int Pid => _process.Id;

    public ProcessOutput Output { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts <paramref name="fileName"/>. <paramref name="environment"/> adds variables to the inherited
    /// environment; a null value removes the variable. With <paramref name="stdin"/>, that text is written to the
    /// process's standard input, which is then closed.
    /// </summary>
    public static ChildProcess Start(
        string fileName,
        IEnumerable<string> args,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? stdin = null)
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

        var output = new ProcessOutput();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => output.AddStdout(e.Data);
        process.ErrorDataReceived += (_, e) => output.AddStderr(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }

        return new ChildProcess(process, output);
    }

    /// <summary>
    /// Runs a command to its end with <paramref name="stdin"/> (empty when not given) as its standard input, and
    /// returns its exit code and output; throws when it outlives <paramref name="deadline"/>.
    /// </summary>
    public static async Task<ProcessResult> RunToExitAsync(
        string fileName,
        IEnumerable<string> args,
        TimeSpan deadline,
        string? stdin = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        using var process = Start(fileName, args, environment, stdin ?? "");
        var exitCode = await process.WaitForExitAsync(deadline);
        return new ProcessResult(exitCode, process.Output.Stdout, process.Output.Stderr, process.Output.Combined);
    }

    public void SendSignal(UnixSignal signal) => Libc.SendSignal(Pid, signal);

    /// <summary>Waits for the process to exit and returns its exit code; throws when the deadline passes first.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException(
                $"process {Pid} ({_process.StartInfo.FileName} {string.Join(' ', _process.StartInfo.ArgumentList)}) did not exit within {deadline.TotalSeconds:0.###} s\n{Output.Tail()}");
        }

        return _process.ExitCode;
    }

    /// <summary>"exit code N", or "signal N (NAME)" for a process a signal ended (.NET reports those as 128 + N).</summary>
    public static string DescribeExit(int exitCode) =>
        exitCode > 128 && exitCode < 128 + 65
            ? $"exit code {exitCode}: killed by signal {exitCode - 128}{(Enum.IsDefined((UnixSignal)(exitCode - 128)) ? $" ({(UnixSignal)(exitCode - 128)})" : "")}"
            : $"exit code {exitCode}";

    /// <summary>Resident set size from <c>/proc/PID/status</c> (<c>VmRSS</c>), in KiB.</summary>
    public long ReadRssKiB()
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var value = line["VmRSS:".Length..].Trim();
                return long.Parse(value[..value.IndexOf(' ', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"no VmRSS line in /proc/{Pid}/status");
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
}

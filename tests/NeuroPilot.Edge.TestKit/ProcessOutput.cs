using System.Text;

namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>
/// The standard output and standard error of a child process, line by line, safe to read while the process writes.
/// </summary>
public sealed class ProcessOutput
{
    private readonly Lock _gate = new();
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly List<string> _combined = [];

    public string Stdout => Join(_stdout);

    public string Stderr => Join(_stderr);

    /// <summary>Standard output and standard error interleaved in the order their lines arrived.</summary>
    public string Combined => Join(_combined);

    public IReadOnlyList<string> StdoutLines => Snapshot(_stdout);

    public IReadOnlyList<string> StderrLines => Snapshot(_stderr);

    public bool StderrContains(string text) => Any(_stderr, text);

    public bool StdoutContains(string text) => Any(_stdout, text);

    /// <summary>Waits until a line of standard error contains <paramref name="text"/>.</summary>
    public Task WaitForStderrAsync(string text, TimeSpan deadline) =>
        Eventually.WaitUntilAsync(() => StderrContains(text), deadline, $"stderr contains \"{text}\"; stderr so far:\n{Tail(_stderr, 20)}");

    /// <summary>Waits until a line of standard output contains <paramref name="text"/>.</summary>
    public Task WaitForStdoutAsync(string text, TimeSpan deadline) =>
        Eventually.WaitUntilAsync(() => StdoutContains(text), deadline, $"stdout contains \"{text}\"; stdout so far:\n{Tail(_stdout, 20)}");

    /// <summary>The last lines of both streams, for failure messages.</summary>
    public string Tail(int lines = 20) => $"stdout:\n{Tail(_stdout, lines)}\nstderr:\n{Tail(_stderr, lines)}";

    internal void AddStdout(string? line) => Add(_stdout, line);

    internal void AddStderr(string? line) => Add(_stderr, line);

    private void Add(List<string> lines, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            lines.Add(line);
            _combined.Add(line);
        }
    }

    private string[] Snapshot(List<string> lines)
    {
        lock (_gate)
        {
            return [.. lines];
        }
    }

    private string Join(List<string> lines)
    {
        lock (_gate)
        {
            var text = new StringBuilder();
            foreach (var line in lines)
            {
                text.Append(line).Append('\n');
            }

            return text.ToString();
        }
    }

    private bool Any(List<string> lines, string text)
    {
        lock (_gate)
        {
            foreach (var line in lines)
            {
                if (line.Contains(text, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }
    }

    private string Tail(List<string> lines, int count)
    {
        lock (_gate)
        {
            return string.Join('\n', lines.Skip(Math.Max(0, lines.Count - count)));
        }
    }
}

namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>
/// How a child process that ran to its end ended: exit code and everything it printed, per stream and as
/// <paramref name="Output"/> (both streams interleaved as received).
/// </summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, string Output)
{
    public IReadOnlyList<string> StderrLines =>
        Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary><c>var (exitCode, output) = result</c>: the exit code and both streams interleaved.</summary>
    public void Deconstruct(out int exitCode, out string output)
    {
        exitCode = ExitCode;
        output = Output;
    }

    public override string ToString() => $"exit code {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

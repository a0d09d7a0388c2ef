namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>
/// Where the <c>neuropilot-edge</c> binary under test is: <c>$NEUROPILOT_EDGE_BINARY</c> (tests/run.sh sets it to the
/// Native AOT binary it published), else the apphost built next to the test assembly.
/// </summary>
public static class EdgeBinary
{
    public const string EnvironmentVariable = "NEUROPILOT_EDGE_BINARY";

    public static string Path { get; } = Resolve();

    /// <summary>Runs the binary to its end (<c>check</c>, <c>--version</c>...) and returns its exit code and output.</summary>
    public static async Task<ProcessResult> RunToExitAsync(TimeSpan deadline, params string[] args)
    {
        using var process = ChildProcess.Start(Path, args);
        var exitCode = await process.WaitForExitAsync(deadline);
        return new ProcessResult(exitCode, process.Output.Stdout, process.Output.Stderr);
    }

    private static string Resolve()
    {
        var path = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrEmpty(path))
        {
            path = System.IO.Path.Combine(AppContext.BaseDirectory, "neuropilot-edge");
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"the edge binary \"{path}\" does not exist: build the test project, or set {EnvironmentVariable}", path);
        }

        return path;
    }
}

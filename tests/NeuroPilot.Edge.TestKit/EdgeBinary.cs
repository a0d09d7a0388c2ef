namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>
/// Where the <c>neuropilot-edge</c> binary under test is: <c>$NEUROPILOT_EDGE_BINARY</c> (tests/run.sh sets it to the
/// Native AOT binary it published), else the apphost built next to the test assembly.
/// </summary>
public static class EdgeBinary
{
    public const string EnvironmentVariable = "NEUROPILOT_EDGE_BINARY";

    /// <summary>The absolute path of the binary.</summary>
    public static string Path { get; } = Resolve();

    /// <summary>True for a Native AOT binary; false for the framework-dependent apphost (it has a .dll beside it).</summary>
    public static bool IsNativeAot => !File.Exists(System.IO.Path.ChangeExtension(Path, ".dll"));

    public static string Describe() => IsNativeAot ? $"Native AOT binary {Path}" : $"framework-dependent apphost {Path}";

    /// <summary>Runs the binary to its end (<c>check</c>, <c>--version</c>...) and returns its exit code and output.</summary>
    public static Task<ProcessResult> RunToExitAsync(TimeSpan deadline, params string[] args) =>
        ChildProcess.RunToExitAsync(Path, args, deadline);

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

        return System.IO.Path.GetFullPath(path);
    }
}

using NeuroPilot.Edge.LoadTests.Cli;

namespace NeuroPilot.Edge.LoadTests.Drill;

/// <summary>The <c>--edge PATH</c> of the drills: the neuropilot-edge binary they start.</summary>
internal static class EdgeBinaryOption
{
    public const string Description = "the neuropilot-edge binary (the AOT build: dotnet publish src/NeuroPilot.Edge -o DIR)";

    /// <summary>The binary's full path.</summary>
    /// <exception cref="UsageException">There is no such file.</exception>
    public static string Read(string command, string path) =>
        File.Exists(path)
            ? Path.GetFullPath(path)
            : throw new UsageException($"{command}: --edge {path}: no such file (the neuropilot-edge binary)");
}

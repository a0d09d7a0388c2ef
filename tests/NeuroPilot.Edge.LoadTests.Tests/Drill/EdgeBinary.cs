namespace NeuroPilot.Edge.LoadTests.Tests.Drill;

/// <summary>
/// The <c>neuropilot-edge</c> binary the drill tests run: <c>$NEUROPILOT_EDGE_BINARY</c> (tests/run.sh sets it to
/// the Native AOT binary), else the apphost the project reference to src/NeuroPilot.Edge copies next to the tests.
/// </summary>
public static class EdgeBinary
{
    public const string EnvironmentVariable = "NEUROPILOT_EDGE_BINARY";

    public static string Path
    {
        get
        {
            var path = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (string.IsNullOrEmpty(path))
            {
                path = System.IO.Path.Combine(AppContext.BaseDirectory, "neuropilot-edge");
            }

            return File.Exists(path)
                ? System.IO.Path.GetFullPath(path)
                : throw new FileNotFoundException($"the edge binary \"{path}\" does not exist: build the test project, or set {EnvironmentVariable}", path);
        }
    }
}

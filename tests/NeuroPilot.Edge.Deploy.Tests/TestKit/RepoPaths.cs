namespace NeuroPilot.Edge.Deploy.Tests.TestKit;

/// <summary>Files of the repository the tests check: found by walking up from the test assembly to NeuroPilot.Edge.sln.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Deploy(params string[] parts) => Path.Combine([Root, "deploy", .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NeuroPilot.Edge.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no NeuroPilot.Edge.sln above {AppContext.BaseDirectory}");
    }
}

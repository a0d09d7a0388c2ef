namespace NeuroPilot.Edge.LoadTests.Tests.TestKit;

/// <summary>Paths in this repository, found from the test's output directory.</summary>
public static class Repository
{
    public static string Root
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "NeuroPilot.Edge.sln")))
                {
                    return directory.FullName;
                }
            }

            throw new InvalidOperationException($"no NeuroPilot.Edge.sln above {AppContext.BaseDirectory}");
        }
    }

    public static string PeersDirectory => Path.Combine(Root, "bench", "peers");
}

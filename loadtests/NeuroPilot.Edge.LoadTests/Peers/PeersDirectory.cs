namespace NeuroPilot.Edge.LoadTests.Peers;

/// <summary>Finds <c>bench/peers/</c>: from the working directory upwards, then from the tool's own directory upwards.</summary>
internal static class PeersDirectory
{
    public static string? Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "bench", "peers");
                if (File.Exists(Path.Combine(candidate, "nginx.conf")) || File.Exists(Path.Combine(candidate, "haproxy.cfg")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}

namespace NeuroPilot.Edge.LoadTests.Peers;

/// <summary>A reverse proxy the harness can start from <c>bench/peers/</c> to compare against: nginx, HAProxy.</summary>
internal sealed record PeerDefinition(string Name, string ConfigFile, string Executable, Func<string, string, IReadOnlyList<string>> Arguments)
{
    public static IReadOnlyList<PeerDefinition> Known { get; } =
    [
        new("nginx", "nginx.conf", "nginx", (runDirectory, config) => ["-p", runDirectory + "/", "-c", config, "-e", Path.Combine(runDirectory, "error.log")]),
        new("haproxy", "haproxy.cfg", "haproxy", (_, config) => ["-db", "-f", config]),
    ];

    public static string KnownNames => string.Join(", ", Known.Select(p => p.Name));

    public static PeerDefinition? Find(string name) =>
        Known.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Finds the executable on PATH or in /usr/sbin and /sbin (where Debian puts both), or null.</summary>
    public string? LocateExecutable()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/sbin", "/sbin", "/usr/local/sbin"]))
        {
            var candidate = Path.Combine(directory, Executable);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

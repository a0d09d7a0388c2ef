namespace NeuroPilot.Edge.Deploy.Tests.TestKit;

/// <summary>A real <c>neuropilot-edge run --config FILE</c> process, its config written to a temp folder.</summary>
public sealed class EdgeProcess : IDisposable
{
    private readonly TempDirectory _folder;

    private EdgeProcess(TempDirectory folder, ChildProcess process, int proxyPort, int adminPort, string configPath)
    {
        _folder = folder;
        Process = process;
        ProxyPort = proxyPort;
        AdminPort = adminPort;
        ConfigPath = configPath;
    }

    public ChildProcess Process { get; }

    public int ProxyPort { get; }

    public int AdminPort { get; }

    public string ConfigPath { get; }

    public Uri ProxyUrl => new($"http://127.0.0.1:{ProxyPort}");

    public Uri AdminUrl => new($"http://127.0.0.1:{AdminPort}");

    /// <summary>
    /// Starts the edge with <paramref name="configFor"/>(proxy port, admin port) as its config and returns without
    /// waiting for it: callers wait on what they test (a notify socket, <c>/readyz</c>...).
    /// </summary>
    public static EdgeProcess Start(Func<int, int, string> configFor, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var folder = new TempDirectory();
        var proxyPort = FreePorts.Next();
        var adminPort = FreePorts.Next();
        var configPath = folder.File("edge.json");
        File.WriteAllText(configPath, configFor(proxyPort, adminPort));
        var process = ChildProcess.Start(EdgeBinary.Path, ["run", "--config", configPath], environment);
        return new EdgeProcess(folder, process, proxyPort, adminPort, configPath);
    }

    public async Task WaitUntilReadyAsync(HttpClient client, TimeSpan deadline)
    {
        try
        {
            await Eventually.WaitUntilAsync(
                async () =>
                {
                    if (Process.HasExited)
                    {
                        throw new InvalidOperationException("the edge exited");
                    }

                    using var response = await client.GetAsync(new Uri(AdminUrl, "/readyz"));
                    return response.IsSuccessStatusCode;
                },
                deadline,
                "the edge answers /readyz with 200");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; edge output:\n{Process.Output}", e);
        }
    }

    public void Dispose()
    {
        Process.Dispose();
        _folder.Dispose();
    }
}

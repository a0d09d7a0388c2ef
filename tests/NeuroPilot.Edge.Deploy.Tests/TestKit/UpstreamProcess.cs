namespace NeuroPilot.Edge.Deploy.Tests.TestKit;

/// <summary>A real <c>neuropilot-edge upstream</c> process on a free loopback port, answering with its region name.</summary>
public sealed class UpstreamProcess : IDisposable
{
    private readonly ChildProcess _process;

    private UpstreamProcess(ChildProcess process, string region, int port)
    {
        _process = process;
        Region = region;
        Port = port;
    }

    public string Region { get; }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}");

    public static async Task<UpstreamProcess> StartAsync(string region)
    {
        var port = FreePorts.Next();
        var process = ChildProcess.Start(EdgeBinary.Path, ["upstream", "--listen", $"http://127.0.0.1:{port}", "--region", region]);
        var upstream = new UpstreamProcess(process, region, port);
        try
        {
            await Eventually.WaitUntilAsync(() => FreePorts.AcceptsAsync(port), TimeSpan.FromSeconds(30), $"upstream {region} listens on {port}");
        }
        catch
        {
            upstream.Dispose();
            throw;
        }

        return upstream;
    }

    /// <summary>Makes every request (probes included) answer 503, or back to normal with "none".</summary>
    public async Task SetFaultAsync(HttpClient client, string mode)
    {
        using var response = await client.PostAsync(new Uri(Url, $"/_upstream/fault?mode={mode}"), content: null);
        response.EnsureSuccessStatusCode();
    }

    public void Dispose() => _process.Dispose();
}

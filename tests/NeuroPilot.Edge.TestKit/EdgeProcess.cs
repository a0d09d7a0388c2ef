using System.Net;
using System.Text.Json;

namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>
/// The real edge binary running <c>run --config FILE</c> as a child process, with its config in a temp folder of its
/// own. The config text is the test's; the proxy and admin URLs are read from its <c>Edge.Listen[0]</c> and
/// <c>Edge.Admin.Listen</c>. Disposing kills the process if it still runs and deletes the folder.
/// </summary>
public sealed class EdgeProcess : IDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(20);

    private readonly string _directory;
    private readonly string _writePath;
    private readonly HttpClient _admin;

    private EdgeProcess(ChildProcess process, string directory, string configPath, string writePath, Uri proxyUrl, Uri adminUrl)
    {
        Process = process;
        _directory = directory;
        ConfigPath = configPath;
        _writePath = writePath;
        ProxyUrl = proxyUrl;
        AdminUrl = adminUrl;
        _admin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = adminUrl, Timeout = TimeSpan.FromSeconds(5) };
    }

    public ChildProcess Process { get; }

    public int Pid => Process.Pid;

    public ProcessOutput Output => Process.Output;

    /// <summary>The path given to <c>--config</c>.</summary>
    public string ConfigPath { get; }

    public Uri ProxyUrl { get; }

    public Uri AdminUrl { get; }

    /// <summary>
    /// Writes <paramref name="configText"/>, starts the edge and waits until its admin <c>/healthz</c> answers.
    /// <paramref name="environment"/> adds variables to the edge's environment (a null value removes one).
    /// With <paramref name="hideConfigWritesFromWatcher"/>, <c>--config</c> names a symlink whose target lives in
    /// another folder: rewrites then change the file without any event in the folder the edge watches, so only
    /// SIGHUP (or the admin reload) can apply them.
    /// </summary>
    public static async Task<EdgeProcess> StartAsync(
        string configText,
        IReadOnlyDictionary<string, string?>? environment = null,
        bool hideConfigWritesFromWatcher = false)
    {
        var edge = Start(configText, environment, hideConfigWritesFromWatcher);
        try
        {
            await edge.WaitUntilAnswersAsync("/healthz", StartDeadline);
        }
        catch
        {
            edge.Dispose();
            throw;
        }

        return edge;
    }

    /// <summary>
    /// As <see cref="StartAsync"/>, but returns as soon as the process is started, without waiting for it: for tests
    /// that wait on what they test (a notify socket, <see cref="WaitUntilReadyAsync"/>...).
    /// </summary>
    public static EdgeProcess Start(
        string configText,
        IReadOnlyDictionary<string, string?>? environment = null,
        bool hideConfigWritesFromWatcher = false)
    {
        configText = EngineAxis.Apply(configText);
        var (proxyUrl, adminUrl) = ReadListeners(configText);
        var directory = Directory.CreateTempSubdirectory("neuropilot-edge-test-").FullName;
        var configPath = Path.Combine(directory, "edge.json");
        var writePath = configPath;
        if (hideConfigWritesFromWatcher)
        {
            writePath = Path.Combine(Directory.CreateDirectory(Path.Combine(directory, "target")).FullName, "edge.json");
            File.CreateSymbolicLink(configPath, writePath);
        }

        File.WriteAllText(writePath, configText);
        var process = ChildProcess.Start(EdgeBinary.Path, ["run", "--config", configPath], environment);
        return new EdgeProcess(process, directory, configPath, writePath, proxyUrl, adminUrl);
    }

    /// <summary>Waits until the admin <c>/readyz</c> answers 200; throws if the edge exits first.</summary>
    public Task WaitUntilReadyAsync(TimeSpan deadline) => WaitUntilAnswersAsync("/readyz", deadline);

    /// <summary>Replaces the config file atomically: writes a temp file beside it, then renames it over the file.</summary>
    public void RewriteConfig(string configText)
    {
        var temp = $"{_writePath}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temp, EngineAxis.Apply(configText));
        File.Move(temp, _writePath, overwrite: true);
    }

    /// <summary>Rewrites the config file in place (truncate and write), as an editor without safe-write does.</summary>
    public void RewriteConfigInPlace(string configText) => File.WriteAllText(_writePath, EngineAxis.Apply(configText));

    public void SendSignal(UnixSignal signal) => Process.SendSignal(signal);

    public Task<int> WaitForExitAsync(TimeSpan deadline) => Process.WaitForExitAsync(deadline);

    public long ReadRssKiB() => Process.ReadRssKiB();

    /// <summary>A client for the proxy listener (no HTTP proxy, pooled connections, 10 s timeout).</summary>
    public HttpClient CreateClient() =>
        new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { BaseAddress = ProxyUrl, Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>GET <c>/admin/status</c>, parsed.</summary>
    public async Task<JsonElement> GetStatusJsonAsync()
    {
        var text = await GetAdminTextAsync("/admin/status");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>GET <c>/metrics</c> (Prometheus text format).</summary>
    public Task<string> GetMetricsTextAsync() => GetAdminTextAsync("/metrics");

    /// <summary>Sends a request to the admin listener (for admin writes: drain, reload).</summary>
    public Task<HttpResponseMessage> SendAdminAsync(HttpRequestMessage request) => _admin.SendAsync(request);

    public void Dispose()
    {
        _admin.Dispose();
        Process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }

    /// <summary>Waits until GET <paramref name="path"/> on the admin listener answers 200; throws if the edge exits first.</summary>
    private async Task WaitUntilAnswersAsync(string path, TimeSpan deadline)
    {
        try
        {
            await Eventually.WaitUntilAsync(
                async () => Process.HasExited || await AnswersOkAsync(path),
                deadline,
                $"the edge answers GET {new Uri(AdminUrl, path)}");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{Process.Output.Tail()}", e);
        }

        if (Process.HasExited)
        {
            throw new InvalidOperationException(
                $"the edge exited during start-up with {ChildProcess.DescribeExit(await Process.WaitForExitAsync(deadline))}\n{Process.Output.Tail()}");
        }
    }

    private async Task<bool> AnswersOkAsync(string path)
    {
        using var response = await _admin.GetAsync(path);
        return response.StatusCode == HttpStatusCode.OK;
    }

    private async Task<string> GetAdminTextAsync(string path)
    {
        using var response = await _admin.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    private static (Uri Proxy, Uri Admin) ReadListeners(string configText)
    {
        using var document = JsonDocument.Parse(configText, new JsonDocumentOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        });
        var edge = Property(document.RootElement, "Edge");
        var listen = edge is { } e ? Property(e, "Listen") : null;
        var proxy = listen switch
        {
            { ValueKind: JsonValueKind.Array } array when array.GetArrayLength() > 0 => array[0].GetString(),
            { ValueKind: JsonValueKind.String } one => one.GetString(),
            _ => null,
        };
        var admin = edge is { } e2 && Property(e2, "Admin") is { } a && Property(a, "Listen") is { ValueKind: JsonValueKind.String } url
            ? url.GetString()
            : null;
        if (proxy is null || admin is null)
        {
            throw new ArgumentException("the test config must set Edge.Listen and Edge.Admin.Listen (use FreePorts), so the kit knows where the edge is", nameof(configText));
        }

        return (Reachable(new Uri(proxy)), Reachable(new Uri(admin)));
    }

    /// <summary>A listener on every address (<c>0.0.0.0</c>, <c>[::]</c>, <c>*</c>) is reached on loopback.</summary>
    private static Uri Reachable(Uri listen) =>
        listen.Host is "0.0.0.0" or "[::]" or "*" or "+" ? new UriBuilder(listen) { Host = "127.0.0.1" }.Uri : listen;

    private static JsonElement? Property(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }
}

using System.Globalization;
using System.Text.Json;
using NeuroPilot.Edge.Tests.TestKit;

namespace NeuroPilot.Edge.Deploy.Tests.TestKit;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c>) on a free loopback port with its TSDB in a temp folder, and its
/// HTTP API: instant queries, label values, rules, alerts.
/// </summary>
public sealed class PrometheusServer : IDisposable
{
    private readonly ChildProcess _process;
    private readonly TempDirectory _folder;
    private readonly HttpClient _client;

    private PrometheusServer(ChildProcess process, TempDirectory folder, int port)
    {
        _process = process;
        _folder = folder;
        Url = new Uri($"http://127.0.0.1:{port}");
        _client = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Url { get; }

    public string Output => _process.Output.Combined;

    public static async Task<PrometheusServer> StartAsync(string configYaml)
    {
        var binary = HostTools.Require("prometheus", "prometheus");
        var folder = new TempDirectory();
        var port = FreePorts.Next();
        var configPath = folder.File("prometheus.yml");
        await File.WriteAllTextAsync(configPath, configYaml);
        var process = ChildProcess.Start(binary,
        [
            "--config.file=" + configPath,
            "--storage.tsdb.path=" + folder.File("data"),
            "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
            "--log.level=warn",
        ]);
        var server = new PrometheusServer(process, folder, port);
        try
        {
            await Eventually.WaitUntilAsync(
                async () =>
                {
                    if (process.HasExited)
                    {
                        throw new InvalidOperationException($"prometheus exited: {process.Output.Combined}");
                    }

                    using var response = await server._client.GetAsync(new Uri("/-/ready", UriKind.Relative));
                    return response.IsSuccessStatusCode;
                },
                TimeSpan.FromSeconds(30),
                "prometheus answers /-/ready");
        }
        catch
        {
            server.Dispose();
            throw;
        }

        return server;
    }

    /// <summary>An instant query through <c>/api/v1/query</c>; never throws on a PromQL error (it is in the result).</summary>
    public async Task<PromQueryResult> QueryAsync(string expr)
    {
        using var response = await _client.GetAsync(new Uri("/api/v1/query?query=" + Uri.EscapeDataString(expr), UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        var status = root.GetProperty("status").GetString()!;
        if (status != "success")
        {
            return new PromQueryResult(expr, status, root.TryGetProperty("error", out var error) ? error.GetString() : body, 0, body);
        }

        var data = root.GetProperty("data");
        var result = data.GetProperty("result");
        var count = data.GetProperty("resultType").GetString() is "vector" or "matrix" ? result.GetArrayLength() : 1;
        return new PromQueryResult(expr, status, null, count, body);
    }

    /// <summary>Values of <paramref name="label"/> over the series that <paramref name="match"/> selects.</summary>
    public async Task<IReadOnlyList<string>> LabelValuesAsync(string label, string match)
    {
        var path = $"/api/v1/label/{Uri.EscapeDataString(label)}/values?match[]={Uri.EscapeDataString(match)}";
        using var json = await GetJsonAsync(path);
        return [.. json.RootElement.GetProperty("data").EnumerateArray().Select(v => v.GetString()!)];
    }

    /// <summary>GET an API path and parse it; throws when the API answers anything but status "success".</summary>
    public async Task<JsonDocument> GetJsonAsync(string path)
    {
        using var response = await _client.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        var json = JsonDocument.Parse(body);
        if (json.RootElement.GetProperty("status").GetString() != "success")
        {
            json.Dispose();
            throw new InvalidOperationException($"GET {path}: {body}");
        }

        return json;
    }

    public void Dispose()
    {
        _client.Dispose();
        _process.Dispose();
        _folder.Dispose();
    }
}

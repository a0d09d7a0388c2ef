using NeuroPilot.Edge.Tests.TestKit.Tls;
using System.Net;

namespace NeuroPilot.Edge.Tests.TestKit;

/// <summary>
/// A test upstream as a real child process: <c>neuropilot-edge upstream --listen http://127.0.0.1:PORT --region NAME
/// [--http2]</c>. It answers GET with "REGION METHOD PATH" and an <c>X-Upstream-Region</c> header, and serves
/// <c>/healthz</c>, <c>/headers</c>, <c>/echo</c>, <c>/upload</c>, <c>/delay?ms=N</c>, <c>/ws</c> and
/// <c>POST /_upstream/fault?mode=503|hang|reset|none</c>. Kill it, stop it, continue it, restart it on the same port.
/// It counts the requests it sees and can record the last N (<see cref="RecordAsync"/>, <see cref="GetStatsAsync"/>).
/// </summary>
public sealed class UpstreamProcess : IDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(20);

    private readonly HttpClient _client;
    private ChildProcess _process;

    private UpstreamProcess(string region, int port, bool http2, UpstreamTls? tls, ChildProcess process)
    {
        Region = region;
        Port = port;
        Http2 = http2;
        Tls = tls;
        Url = new Uri($"{(tls is null ? "http" : "https")}://127.0.0.1:{port}");
        _process = process;
        _client = new HttpClient(tls is null
            ? new SocketsHttpHandler { UseProxy = false }
            : TlsClients.Handler(tls.TrustedBy, tls.ClientCa is null ? null : tls.ControlClientCertificate))
        {
            BaseAddress = Url,
            Timeout = TimeSpan.FromSeconds(5),
            DefaultRequestVersion = http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public string Region { get; }

    public int Port { get; }

    /// <summary>Speaks HTTP/2 only (h2c with prior knowledge).</summary>
    public bool Http2 { get; }

    /// <summary>The certificate it serves over https (and the client CA it requires), or null for plain http.</summary>
    public UpstreamTls? Tls { get; }

    /// <summary><c>http://127.0.0.1:PORT</c> (<c>https://</c> with TLS): the destination to put in an edge config.</summary>
    public Uri Url { get; }

    /// <summary>The destination as a config string, without a trailing slash.</summary>
    public string Destination => $"{Url.Scheme}://127.0.0.1:{Port}";

    public int Pid => _process.Pid;

    public ProcessOutput Output => _process.Output;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts an upstream on a free port (or <paramref name="port"/>) and waits until it answers <c>/healthz</c>.</summary>
    /// <param name="tls">Serve https with this certificate (and require client certificates from its client CA).</param>
    public static async Task<UpstreamProcess> StartAsync(string region, bool http2 = false, int? port = null, UpstreamTls? tls = null)
    {
        var chosen = port ?? FreePorts.Next();
        var upstream = new UpstreamProcess(region, chosen, http2, tls, Launch(region, chosen, http2, tls));
        try
        {
            await upstream.WaitUntilHealthyAsync();
        }
        catch
        {
            upstream.Dispose();
            throw;
        }

        return upstream;
    }

    public void SendSignal(UnixSignal signal) => _process.SendSignal(signal);

    /// <summary><c>kill -9</c>, then wait until the process is gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.SendSignal(UnixSignal.SIGKILL);
        }

        await _process.WaitForExitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Kills the process if it still runs (even when stopped) and starts a new one on the same port.</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        _process.Dispose();
        _process = Launch(Region, Port, Http2, Tls);
        await WaitUntilHealthyAsync();
    }

    /// <summary>Tells the upstream to fail: <c>503</c>, <c>hang</c>, <c>reset</c>, or <c>none</c> to mend it.</summary>
    public async Task SetFaultAsync(string mode)
    {
        using var response = await _client.PostAsync($"/_upstream/fault?mode={Uri.EscapeDataString(mode)}", content: null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>From now on keeps the request line and headers of the last <paramref name="last"/> requests (0: stop).</summary>
    public async Task RecordAsync(int last)
    {
        using var response = await _client.PostAsync($"/_upstream/record?last={last}", content: null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// How many requests the upstream has seen (control requests aside), and the recorded ones numbered above
    /// <paramref name="after"/>.
    /// </summary>
    public async Task<UpstreamStats> GetStatsAsync(long after = 0)
    {
        using var response = await _client.GetAsync($"/_upstream/stats?after={after}");
        response.EnsureSuccessStatusCode();
        return UpstreamStats.Parse(await response.Content.ReadAsStringAsync());
    }

    public long ReadRssKiB() => _process.ReadRssKiB();

    public void Dispose()
    {
        _client.Dispose();
        _process.Dispose();
    }

    private static ChildProcess Launch(string region, int port, bool http2, UpstreamTls? tls)
    {
        List<string> args = ["upstream", "--listen", $"{(tls is null ? "http" : "https")}://127.0.0.1:{port}", "--region", region];
        if (http2)
        {
            args.Add("--http2");
        }

        if (tls is not null)
        {
            args.AddRange(["--cert", tls.Certificate.Certificate, "--key", tls.Certificate.Key]);
            if (tls.ClientCa is { } clientCa)
            {
                args.AddRange(["--client-ca", clientCa]);
            }
        }

        return ChildProcess.Start(EdgeBinary.Path, args);
    }

    private async Task WaitUntilHealthyAsync()
    {
        var process = _process;
        try
        {
            await Eventually.WaitUntilAsync(
                async () => process.HasExited || await IsHealthyAsync(),
                StartDeadline,
                $"upstream {Region} answers GET {Url}healthz");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{process.Output.Tail()}", e);
        }

        if (process.HasExited)
        {
            throw new InvalidOperationException(
                $"upstream {Region} exited during start-up with {ChildProcess.DescribeExit(await process.WaitForExitAsync(StartDeadline))}\n{process.Output.Tail()}");
        }
    }

    private async Task<bool> IsHealthyAsync()
    {
        using var response = await _client.GetAsync("/healthz");
        return response.StatusCode == HttpStatusCode.OK;
    }
}

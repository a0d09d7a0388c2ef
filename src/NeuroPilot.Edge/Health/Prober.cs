using System.Net.Sockets;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Hosting;

namespace NeuroPilot.Edge.Health;

/// <summary>Runs one probe: HTTP GET of <c>HealthCheck.Path</c>, or a TCP connect when the service sets no path.</summary>
public sealed class Prober : IDisposable
{
    private readonly HttpMessageInvoker _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        ActivityHeadersPropagator = null,
    });

    private readonly TimeProvider _time;

    public Prober(TimeProvider time) => _time = time;

    public async Task<ProbeResult> ProbeAsync(Uri destination, HealthCheckOptions options, CancellationToken stopping)
    {
        var started = _time.GetTimestamp();
        using var timeout = new CancellationTokenSource(options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stopping);
        try
        {
            if (options.Path is null)
            {
                using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(destination.Host, destination.Port, linked.Token);
                return new ProbeResult(true, _time.GetElapsedTime(started), "connected");
            }

            if (ProbeUrl(destination, options.Path) is not { } url)
            {
                return new ProbeResult(false, _time.GetElapsedTime(started), "probe path leaves the destination");
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.UserAgent.ParseAdd($"neuropilot-edge-probe/{EdgeVersion.Current}");
            using var response = await _client.SendAsync(request, linked.Token);
            var code = (int)response.StatusCode;
            var healthy = false;
            foreach (var (from, to) in options.HealthyStatusCodes)
            {
                healthy |= code >= from && code <= to;
            }

            return new ProbeResult(healthy, _time.GetElapsedTime(started), $"HTTP {code}");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            return new ProbeResult(false, _time.GetElapsedTime(started), $"timed out after {options.Timeout.TotalSeconds:0.###} s");
        }
        catch (Exception e) when (!stopping.IsCancellationRequested)
        {
            return new ProbeResult(false, _time.GetElapsedTime(started), Describe(e));
        }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>
    /// The destination's scheme, host and port, its base path, then <paramref name="path"/>: built so that the path
    /// can never change the authority (resolving "//other-host/healthz" against the destination would name another
    /// host). Null when the result would not be on the destination anyway.
    /// </summary>
    internal static Uri? ProbeUrl(Uri destination, string path)
    {
        var origin = destination.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);
        if (!Uri.TryCreate(origin + destination.AbsolutePath.TrimEnd('/') + path, UriKind.Absolute, out var url) ||
            url.Scheme != destination.Scheme || url.Host != destination.Host || url.Port != destination.Port || url.UserInfo.Length > 0)
        {
            return null;
        }

        return url;
    }

    private static string Describe(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return socket.SocketErrorCode.ToString();
            }
        }

        return e is HttpRequestException { HttpRequestError: var kind } ? kind.ToString() : e.GetType().Name;
    }
}

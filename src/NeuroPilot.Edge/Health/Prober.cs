using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Health.Internal;
using NeuroPilot.Edge.Routing;
using NeuroPilot.Edge.Telemetry;
using NeuroPilot.Edge.Tls;

namespace NeuroPilot.Edge.Health;

/// <summary>
/// Runs one probe: HTTP GET of <c>HealthCheck.Path</c>, or a TCP connect when the service sets no path. A plain http
/// destination is probed over its own keep-alive connection (<see cref="HttpProbeConnection"/>: a probe costs one
/// send and one receive, no connect, no HttpClient); each https destination gets a client of its own whose TLS callbacks verify it as
/// the proxy does (the service's <c>UpstreamTls</c>, else the system's CAs) and keep the reason a certificate was
/// refused, so a destination with an untrusted or misnamed certificate is down with that reason in its status
/// (<c>TLS: certificate untrusted (UntrustedRoot)</c>), never silently trusted.
/// </summary>
public sealed class Prober : IDisposable
{
    private static readonly string?[] StatusDetails = new string?[500];

    private readonly TimeProvider _time;
    private readonly UpstreamTlsMaterials _tls;
    private readonly bool _ownsTls;
    private readonly UpstreamTlsMaterial _systemTrust;
    private readonly ConcurrentDictionary<(UpstreamTlsMaterial Material, string Authority), Lazy<TlsClient>> _tlsClients = new();

    public Prober(TimeProvider time)
        : this(time, tls: null)
    {
    }

    /// <param name="tls">The <c>UpstreamTls</c> files the proxy uses (shared, loaded once); null: the prober loads its own.</param>
    public Prober(TimeProvider time, UpstreamTlsMaterials? tls)
    {
        _time = time;
        _ownsTls = tls is null;
        _tls = tls ?? new UpstreamTlsMaterials(null, time, NullLogger<UpstreamTlsMaterials>.Instance);
        _systemTrust = new UpstreamTlsMaterial("system CAs", new UpstreamTlsOptions(), null, time, NullLogger.Instance);
    }

    public Task<ProbeResult> ProbeAsync(Uri destination, HealthCheckOptions options, CancellationToken stopping) =>
        ProbeAsync(destination, options, tls: null, connection: null, stopping);

    /// <param name="tls">The service's <c>UpstreamTls</c> (used for https destinations only); null: the system's CAs.</param>
    public Task<ProbeResult> ProbeAsync(Uri destination, HealthCheckOptions options, UpstreamTlsOptions? tls, CancellationToken stopping) =>
        ProbeAsync(destination, options, tls, connection: null, stopping);

    /// <summary>
    /// The keep-alive connection a caller that probes <paramref name="destination"/> again and again holds for it (the
    /// probe target), or null when the probe is not plain-http GET (https, a TCP connect, a path that leaves the destination).
    /// </summary>
    internal static HttpProbeConnection? ConnectionFor(Uri destination, HealthCheckOptions options) =>
        destination.Scheme == Uri.UriSchemeHttp && options.Path is { } path && ProbeUrl(destination, path) is { } url ? new HttpProbeConnection(url) : null;

    /// <param name="tls">The service's <c>UpstreamTls</c> (used for https destinations only); null: the system's CAs.</param>
    /// <param name="connection">The destination's kept connection (<see cref="ConnectionFor"/>); null: one for this probe only.</param>
    internal async Task<ProbeResult> ProbeAsync(Uri destination, HealthCheckOptions options, UpstreamTlsOptions? tls, HttpProbeConnection? connection, CancellationToken stopping)
    {
        using var timeout = new CancellationTokenSource(options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stopping);
        return await ProbeWithinAsync(destination, options, tls, connection, linked.Token, stopping);
    }

    /// <summary>
    /// One probe whose timeout the caller enforces (the probe scheduler's deadline check, no timer per probe): over a
    /// kept <paramref name="connection"/> by aborting it (<see cref="HttpProbeConnection.Abort"/>: no token, no
    /// registration per probe), else by <paramref name="cancel"/>.
    /// </summary>
    /// <param name="cancel">Cancelled when the probe is over its timeout, or at <paramref name="stopping"/> (not used with a kept connection).</param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<ProbeResult> ProbeWithinAsync(Uri destination, HealthCheckOptions options, UpstreamTlsOptions? tls, HttpProbeConnection? connection,
        CancellationToken cancel, CancellationToken stopping)
    {
        var started = _time.GetTimestamp();
        TlsClient? tlsClient = null;
        try
        {
            if (options.Path is null)
            {
                using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(destination.Host, destination.Port, cancel);
                return new ProbeResult(true, _time.GetElapsedTime(started), "connected");
            }

            int code;
            if (connection is not null)
            {
                // Made by ConnectionFor from a probe URL on the destination: no URL to build per probe.
                code = await connection.ExchangeAsync();
            }
            else if (ProbeUrl(destination, options.Path) is not { } url)
            {
                return new ProbeResult(false, _time.GetElapsedTime(started), "probe path leaves the destination");
            }
            else if (destination.Scheme == Uri.UriSchemeHttps)
            {
                tlsClient = TlsClientFor(destination, tls);
                tlsClient.LastRejection = null;
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.UserAgent.ParseAdd($"neuropilot-edge-probe/{EdgeVersion.Current}");
                using var response = await tlsClient.Client.SendAsync(request, cancel);
                code = (int)response.StatusCode;
            }
            else
            {
                using var once = new HttpProbeConnection(url);
                code = await once.ExchangeAsync(cancel);
            }

            var healthy = false;
            foreach (var (from, to) in options.HealthyStatusCodes)
            {
                healthy |= code >= from && code <= to;
            }

            return new ProbeResult(healthy, _time.GetElapsedTime(started), StatusDetail(code));
        }
        catch (OperationCanceledException) when ((cancel.IsCancellationRequested || connection is not null) && !stopping.IsCancellationRequested)
        {
            // A kept connection throws it only when its caller aborted it at the deadline (or at a stop, whose result is dropped).
            return new ProbeResult(false, _time.GetElapsedTime(started), TimedOut(options.Timeout));
        }
        catch (Exception e) when (!stopping.IsCancellationRequested)
        {
            return new ProbeResult(false, _time.GetElapsedTime(started), Describe(e, tlsClient?.LastRejection));
        }
    }

    /// <summary><c>HTTP 200</c>: one string per status code, not one per probe.</summary>
    private static string StatusDetail(int code)
    {
        if (code is < 100 or > 599)
        {
            return $"HTTP {code}";
        }

        ref var detail = ref StatusDetails[code - 100];
        return detail ??= $"HTTP {code}";
    }

    /// <summary>The detail of a probe over its timeout.</summary>
    internal static string TimedOut(TimeSpan timeout) => $"timed out after {timeout.TotalSeconds:0.###} s";

    public void Dispose()
    {
        foreach (var client in _tlsClients.Values)
        {
            if (client.IsValueCreated)
            {
                client.Value.Client.Dispose();
            }
        }

        _systemTrust.Dispose();
        if (_ownsTls)
        {
            _tls.Dispose();
        }
    }

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

    private static string Describe(Exception e, string? tlsRejection)
    {
        if (tlsRejection is not null)
        {
            return $"TLS: {tlsRejection}";
        }

        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return socket.SocketErrorCode.ToString();
            }
        }

        return e switch
        {
            // A response the strict HTTP/1.1 parser refused ("invalid response: ...").
            InvalidDataException => e.Message,
            // The destination refused the handshake (our client certificate, a TLS version or cipher it does not take).
            HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => "TLS: handshake failed (SecureConnectionError)",
            HttpRequestException { HttpRequestError: var kind } => kind.ToString(),
            _ => e.GetType().Name,
        };
    }

    private TlsClient TlsClientFor(Uri destination, UpstreamTlsOptions? tls)
    {
        var material = tls is null ? _systemTrust : _tls.Get(tls, "UpstreamTls");
        // Lazy: GetOrAdd may run the factory twice in a race; only one handler is ever made.
        return _tlsClients.GetOrAdd((material, destination.Authority), static key => new Lazy<TlsClient>(() =>
        {
            var client = new TlsClient();
            client.Client = new HttpMessageInvoker(new SocketsHttpHandler
            {
                UseProxy = false,
                AllowAutoRedirect = false,
                UseCookies = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(1),
                ActivityHeadersPropagator = null,
                SslOptions = key.Material.CreateSslOptions(reason => client.LastRejection = reason),
            });
            return client;
        })).Value;
    }

    /// <summary>A probe client of one https destination and why its last handshake refused the certificate.</summary>
    private sealed class TlsClient
    {
        private volatile string? _lastRejection;

        public HttpMessageInvoker Client { get; set; } = null!;

        public string? LastRejection
        {
            get => _lastRejection;
            set => _lastRejection = value;
        }
    }
}

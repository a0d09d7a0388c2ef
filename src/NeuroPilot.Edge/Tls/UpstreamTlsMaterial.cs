using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Telemetry;
using NeuroPilot.Edge.Tls.Internal;

namespace NeuroPilot.Edge.Tls;

/// <summary>
/// The loaded files of one <c>UpstreamTls</c> setting (CA bundle, client certificate and key), reloaded like the
/// listener certificates. The TLS callbacks it hands out read the current files at each new connection, so a
/// renewed client certificate or CA bundle is used by the next connection without recreating any HTTP client, and
/// connections already open are left alone. A destination is verified against the bundle (or the system store) and
/// must carry <c>ServerName</c> (or its own host); a failure is never trusted: the handshake fails and the reason
/// (<c>certificate untrusted (UntrustedRoot)</c>, <c>name mismatch (...)</c>) goes to whoever asked.
/// </summary>
public sealed class UpstreamTlsMaterial : IDisposable
{
    private readonly UpstreamTlsOptions _options;
    private readonly EdgeMetrics? _metrics;
    private readonly TimeProvider _time;
    private readonly ReloadableFile<UpstreamTlsState>? _files;
    private string _name;

    internal UpstreamTlsMaterial(string what, UpstreamTlsOptions options, EdgeMetrics? metrics, TimeProvider time, ILogger logger, ReloadableFileOptions? fileOptions = null)
    {
        _options = options;
        _metrics = metrics;
        _time = time;
        var files = options.Files();
        _name = options.ClientCertificateFile is { } certificateFile ? Path.GetFileName(certificateFile) : options.CaFile is { } caFile ? Path.GetFileName(caFile) : what;
        if (files.Count == 0)
        {
            return;
        }

        _files = new ReloadableFile<UpstreamTlsState>(what, files, Parse, initial: null, fileOptions ?? new ReloadableFileOptions(), time, logger, Describe);
        _files.Reloaded += OnReloaded;
        _files.Rejected += (_, _) => metrics?.TlsCertificateReloadFailures.WithLabels(Volatile.Read(ref _name)).Inc();
        metrics?.TlsCertificateReloadFailures.WithLabels(_name);

        // First load now: good files are in use before the first connection; broken ones are reported once settled.
        _files.Check();
    }

    public UpstreamTlsOptions Options => _options;

    /// <summary>The client certificate to show a destination that asks; null when none is configured or loaded.</summary>
    public X509Certificate2? ClientCertificate => _files?.Current?.Client?.Certificate;

    /// <summary>
    /// Null when <paramref name="certificate"/> (a destination's, with the chain it sent) is trusted for
    /// <paramref name="targetHost"/> (the host connected to; <c>ServerName</c> wins when set); else the reason.
    /// </summary>
    public string? Problem(X509Certificate? certificate, X509Chain? chain, string targetHost)
    {
        var state = _files is null ? UpstreamTlsState.SystemTrust : _files.Current;
        if (state is null)
        {
            return "TLS files not loaded (see the log)";
        }

        return CertificateVerification.Problem(certificate, chain, state.Roots, _options.ServerName ?? targetHost,
            PemCertificateReader.ServerAuthentication, _time.GetUtcNow());
    }

    /// <summary>
    /// Options for a <see cref="SocketsHttpHandler"/> whose callbacks read this material at every new connection;
    /// <paramref name="onRejected"/> hears why a destination's certificate was refused (the prober's status text).
    /// </summary>
    public SslClientAuthenticationOptions CreateSslOptions(Action<string>? onRejected) => new()
    {
        // No TargetHost: SocketsHttpHandler sets it per connection from the request's host (the SNI sent);
        // ServerName is applied in the verification below.
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = (sender, certificate, chain, _) =>
        {
            var host = (sender as SslStream)?.TargetHostName ?? "";
            if (Problem(certificate, chain, host) is { } problem)
            {
                onRejected?.Invoke(problem);
                return false;
            }

            return true;
        },
        LocalCertificateSelectionCallback = (_, _, _, _, _) => ClientCertificate!,
    };

    public void Dispose() => _files?.Dispose();

    /// <summary>Reads the files now (tests; the file events and the periodic check do it otherwise).</summary>
    internal void CheckNow() => _files?.Check();

    private UpstreamTlsState Parse(IReadOnlyList<FileContent> contents)
    {
        var index = 0;
        var roots = _options.CaFile is null ? null : PemCertificateReader.LoadBundle(contents[index++]);
        var client = _options.ClientCertificateFile is null || _options.ClientKeyFile is null
            ? null
            : PemCertificateReader.LoadPair(contents[index], contents[index + 1], _time.GetUtcNow(), PemCertificateReader.ClientAuthentication);
        return new UpstreamTlsState(roots, client);
    }

    private void OnReloaded(UpstreamTlsState state)
    {
        if (state.Client is not { } client || _metrics is null)
        {
            return;
        }

        var old = Interlocked.Exchange(ref _name, client.Name);
        if (old != client.Name)
        {
            _metrics.TlsCertificateExpiry.RemoveLabelled(old);
        }

        _metrics.TlsCertificateExpiry.WithLabels(client.Name).Set(client.NotAfter.ToUnixTimeSeconds());
        _metrics.TlsCertificateReloadFailures.WithLabels(client.Name);
        _metrics.TlsCertificateReloads.WithLabels(client.Name).Inc();
    }

    private static string Describe(UpstreamTlsState state) =>
        $"{(state.Roots is null ? "system CAs" : $"{state.Roots.Count} CA certificates")}, " +
        $"{(state.Client is null ? "no client certificate" : $"client certificate {TlsInputs.Describe(state.Client)}")}";
}

using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Telemetry;
using NeuroPilot.Edge.Tls.Internal;

namespace NeuroPilot.Edge.Tls;

/// <summary>
/// What the https listeners present: one prebuilt <see cref="SslServerAuthenticationOptions"/> per certificate (its
/// <see cref="SslStreamCertificateContext"/> made once, intermediates included), picked per handshake by SNI
/// (<see cref="SniSelector"/>) from an immutable snapshot that a reload swaps whole. A handshake reads the snapshot
/// and allocates nothing of its own; a renewed certificate is served to the next handshake, and connections already
/// open keep theirs. Each certificate, and the client CA bundle, is a <see cref="ReloadableFile{T}"/>: a broken
/// renewal keeps the old one serving, is logged once and counted.
/// </summary>
public sealed partial class ServerTls : IDisposable
{
    private static readonly List<SslApplicationProtocol> Alpn = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];

    private readonly TlsOptions _options;
    private readonly EdgeMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<ServerTls> _logger;
    private readonly ReloadableFile<LoadedCertificate>[] _certificates;
    private readonly ReloadableFile<X509Certificate2Collection>? _clientCa;
    private readonly RemoteCertificateValidationCallback? _verifyClient;
    private readonly Lock _gate = new();
    private readonly SslServerAuthenticationOptions[] _built;
    private readonly string[] _names;
    private volatile Snapshot _snapshot;

    /// <param name="initial">The files as <c>run</c> read and checked them at start-up (every certificate loaded).</param>
    internal ServerTls(TlsOptions options, TlsInputs initial, EdgeMetrics metrics, TimeProvider time, ILogger<ServerTls> logger, ReloadableFileOptions? fileOptions = null)
    {
        if (initial.Certificates.Count != options.Certificates.Count || initial.Certificates.Count == 0)
        {
            throw new ArgumentException("every configured certificate must have been loaded at start-up", nameof(initial));
        }

        _options = options;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        fileOptions ??= new ReloadableFileOptions();
        if (options.ClientCertificates is { Mode: ClientCertificateMode.Require, CaFile: { } caFile } && initial.ClientCa is { } ca)
        {
            _clientCa = new ReloadableFile<X509Certificate2Collection>("Edge.Tls.ClientCertificates.CaFile", [caFile], TlsInputs.ParseBundle, ca, fileOptions, time, logger,
                bundle => $"{bundle.Count} CA certificates");
            _clientCa.Rejected += (_, _) => metrics.TlsCertificateReloadFailures.WithLabels("client-ca").Inc();
            _clientCa.Reloaded += _ => metrics.TlsCertificateReloads.WithLabels("client-ca").Inc();
            _verifyClient = VerifyClient;
        }

        _certificates = new ReloadableFile<LoadedCertificate>[options.Certificates.Count];
        _built = new SslServerAuthenticationOptions[_certificates.Length];
        _names = new string[_certificates.Length];

        // Held until every slot and the first snapshot exist: a reload that fires meanwhile waits for them.
        using var building = _gate.EnterScope();
        for (var i = 0; i < _certificates.Length; i++)
        {
            var entry = options.Certificates[i];
            var slot = i;
            var certificate = new ReloadableFile<LoadedCertificate>($"Edge.Tls.Certificates[{i}]", [entry.CertificateFile, entry.KeyFile],
                TlsInputs.PairParser(PemCertificateReader.ServerAuthentication, time), initial.Certificates[i], fileOptions, time, logger, TlsInputs.Describe);
            certificate.Reloaded += loaded => OnReloaded(slot, loaded);
            certificate.Rejected += (_, _) => metrics.TlsCertificateReloadFailures.WithLabels(Volatile.Read(ref _names[slot])).Inc();
            _certificates[i] = certificate;
            var loaded = initial.Certificates[i].Value;
            _built[i] = Build(loaded);
            _names[i] = loaded.Name;
            Publish(loaded.Name, loaded);
            LogServing($"Edge.Tls.Certificates[{i}]", TlsInputs.Describe(loaded));
        }

        _snapshot = new Snapshot(Selector(), (SslServerAuthenticationOptions[])_built.Clone());
    }

    /// <summary>The options for a handshake that asked for <paramref name="serverName"/> (SNI; null when none was sent).</summary>
    public SslServerAuthenticationOptions Select(string? serverName)
    {
        var snapshot = _snapshot;
        return snapshot.Options[snapshot.Selector.Select(serverName)];
    }

    /// <summary>Kestrel's per-handshake callback (<c>TlsHandshakeCallbackOptions.OnConnection</c>; state: this).</summary>
    public static ValueTask<SslServerAuthenticationOptions> OnConnection(Microsoft.AspNetCore.Server.Kestrel.Https.TlsHandshakeCallbackContext context) =>
        ValueTask.FromResult(((ServerTls)context.State!).Select(context.ClientHelloInfo.ServerName));

    /// <summary>Kestrel's TLS options for an https listener: this edge's callback, state and handshake timeout.</summary>
    public Microsoft.AspNetCore.Server.Kestrel.Https.TlsHandshakeCallbackOptions HandshakeOptions() => new()
    {
        OnConnection = OnConnection,
        OnConnectionState = this,
        HandshakeTimeout = _options.HandshakeTimeout,
    };

    public void Dispose()
    {
        foreach (var certificate in _certificates)
        {
            certificate.Dispose();
        }

        _clientCa?.Dispose();
    }

    /// <summary>Reads every certificate and CA file now (what the file events and the periodic check do).</summary>
    internal void CheckNow()
    {
        foreach (var certificate in _certificates)
        {
            certificate.Check();
        }

        _clientCa?.Check();
    }

    private void OnReloaded(int slot, LoadedCertificate loaded)
    {
        lock (_gate)
        {
            _built[slot] = Build(loaded);
            if (_names[slot] != loaded.Name)
            {
                _metrics.TlsCertificateExpiry.RemoveLabelled(_names[slot]);
            }

            Volatile.Write(ref _names[slot], loaded.Name);
            _snapshot = new Snapshot(Selector(), (SslServerAuthenticationOptions[])_built.Clone());
        }

        Publish(loaded.Name, loaded);
        _metrics.TlsCertificateReloads.WithLabels(loaded.Name).Inc();
    }

    private void Publish(string name, LoadedCertificate loaded)
    {
        _metrics.TlsCertificateExpiry.WithLabels(name).Set(loaded.NotAfter.ToUnixTimeSeconds());

        // Published at 0, so that the first failure is an increase an alert can see.
        _metrics.TlsCertificateReloadFailures.WithLabels(name);
        _metrics.TlsCertificateReloads.WithLabels(name);
    }

    private SniSelector Selector()
    {
        var names = new IReadOnlyList<string>[_certificates.Length];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = _certificates[i].Current!.DnsNames;
        }

        return new SniSelector(names);
    }

    private SslServerAuthenticationOptions Build(LoadedCertificate loaded) => new()
    {
        // offline: the chain is what the file holds; no AIA fetch or OCSP request leaves the edge.
        ServerCertificateContext = SslStreamCertificateContext.Create(loaded.Certificate, loaded.Intermediates, offline: true),
        EnabledSslProtocols = _options.MinVersion == TlsVersion.Tls13 ? SslProtocols.Tls13 : SslProtocols.Tls12 | SslProtocols.Tls13,
        ApplicationProtocols = Alpn,
        AllowRenegotiation = false,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        ClientCertificateRequired = _verifyClient is not null,
        RemoteCertificateValidationCallback = _verifyClient,
    };

    private bool VerifyClient(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (CertificateVerification.Problem(certificate, chain, _clientCa!.Current, expectedName: null, PemCertificateReader.ClientAuthentication, _time.GetUtcNow()) is { } problem)
        {
            LogClientRejected(problem);
            return false;
        }

        return true;
    }

    private sealed class Snapshot(SniSelector selector, SslServerAuthenticationOptions[] options)
    {
        public SniSelector Selector { get; } = selector;

        public SslServerAuthenticationOptions[] Options { get; } = options;
    }
}

namespace NeuroPilot.Edge.Configuration;

/// <summary>Defaults of <c>Edge.Tls</c> and of certificate reloading.</summary>
public static class TlsDefaults
{
    /// <summary>Kestrel's own default: a client has this long to complete its TLS handshake.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often certificate and key files are read again even without a file event: certbot swaps symlinks in
    /// <c>live/</c> and may rewrite files in <c>archive/</c>, a folder no one watches.
    /// </summary>
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(30);

    /// <summary>A certificate that expires within this time is a warning in <c>check</c> and at start-up.</summary>
    public static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(14);
}

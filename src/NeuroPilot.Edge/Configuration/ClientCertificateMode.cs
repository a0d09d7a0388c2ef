namespace NeuroPilot.Edge.Configuration;

/// <summary><c>Edge.Tls.ClientCertificates.Mode</c>: whether https listeners ask clients for a certificate.</summary>
public enum ClientCertificateMode
{
    /// <summary>No client certificate is asked for (the default).</summary>
    None,

    /// <summary>Every handshake must present a certificate that chains to <c>ClientCertificates.CaFile</c>; others fail.</summary>
    Require,
}

using System.Security.Cryptography.X509Certificates;

namespace NeuroPilot.Edge.Tls.Internal;

/// <summary>The files of one <c>UpstreamTls</c> as last loaded: the CAs to trust (null: the system's) and the client certificate.</summary>
internal sealed record UpstreamTlsState(X509Certificate2Collection? Roots, LoadedCertificate? Client)
{
    public static UpstreamTlsState SystemTrust { get; } = new(null, null);
}

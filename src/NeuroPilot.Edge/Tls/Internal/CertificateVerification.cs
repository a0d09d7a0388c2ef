using System.Security.Cryptography.X509Certificates;

namespace NeuroPilot.Edge.Tls.Internal;

/// <summary>
/// Verifies a peer's certificate (a destination's, or a client's on an mTLS listener) and says why it fails in a few
/// words an operator can act on: <c>certificate untrusted (UntrustedRoot)</c>, <c>name mismatch (expected a.test;
/// the certificate is for b.test)</c>. The chain is built offline (no AIA downloads, no revocation fetch: an edge
/// must not stall a handshake on a third party) at the time of the injected clock.
/// </summary>
internal static class CertificateVerification
{
    /// <summary>Null when <paramref name="certificate"/> is good; else the reason.</summary>
    /// <param name="presented">The chain SslStream built from what the peer sent: its intermediates are used.</param>
    /// <param name="roots">The CAs to trust instead of the system's; null for the system store.</param>
    /// <param name="expectedName">The DNS name (or IP address) the certificate must carry; null for none (clients).</param>
    public static string? Problem(X509Certificate? certificate, X509Chain? presented, X509Certificate2Collection? roots,
        string? expectedName, System.Security.Cryptography.Oid purpose, DateTimeOffset now)
    {
        if (certificate is null)
        {
            return "no certificate presented";
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.VerificationTime = now.UtcDateTime;
        policy.ApplicationPolicy.Add(purpose);
        if (roots is not null)
        {
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(roots);
        }

        if (presented is not null)
        {
            policy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
            foreach (var element in presented.ChainElements)
            {
                if (!ReferenceEquals(element.Certificate, leaf))
                {
                    policy.ExtraStore.Add(element.Certificate);
                }
            }
        }

        if (!chain.Build(leaf))
        {
            var flags = X509ChainStatusFlags.NoError;
            foreach (var status in chain.ChainStatus)
            {
                flags |= status.Status;
            }

            return Describe(flags, purpose);
        }

        if (expectedName is not null && !leaf.MatchesHostname(expectedName))
        {
            var names = PemCertificateReader.DnsNames(leaf);
            var carried = names.Count == 0 ? "no DNS name" : string.Join(", ", names);
            return $"name mismatch (expected {expectedName}; the certificate is for {carried})";
        }

        return null;
    }

    private static string Describe(X509ChainStatusFlags flags, System.Security.Cryptography.Oid purpose)
    {
        var what = (flags & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0
            ? "certificate untrusted"
            : (flags & X509ChainStatusFlags.NotTimeValid) != 0
                ? "certificate expired or not yet valid"
                : (flags & X509ChainStatusFlags.NotValidForUsage) != 0
                    ? $"certificate not valid for {purpose.FriendlyName}"
                    : "certificate rejected";
        return $"{what} ({flags.ToString().Replace(", ", "+", StringComparison.Ordinal)})";
    }
}

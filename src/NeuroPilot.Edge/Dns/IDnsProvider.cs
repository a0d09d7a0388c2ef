using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Dns;

/// <summary>
/// A DNS provider the reconciler reads from and writes to. Implementations never throw anything but
/// <see cref="DnsProviderException"/> (and <see cref="OperationCanceledException"/> when the token is cancelled);
/// they keep their own request budget and retries of transient failures.
/// </summary>
public interface IDnsProvider : IDisposable
{
    /// <summary><c>cloudflare</c> or <c>rfc2136</c>: the <c>provider</c> label of the metrics.</summary>
    string Name { get; }

    /// <summary>Requests sent since the provider was made (HTTP calls or DNS messages, retries included).</summary>
    int RequestsSent => 0;

    /// <summary>The TTL a record set of this type and configured TTL gets once written (Cloudflare: 1 when proxied).</summary>
    int EffectiveTtl(DnsRecordType type, int ttl);

    /// <summary>Every record set (all types) held at the given names (canonical, see <see cref="DnsRecordSet"/>).</summary>
    Task<IReadOnlyList<DnsRecordSet>> ReadAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken);

    /// <summary>
    /// Applies the changes, all or nothing where the provider can (Cloudflare batch, one RFC 2136 UPDATE message).
    /// Each change must apply only to the state it was read in (<see cref="DnsChange.Before"/>); the reconciler
    /// always calls <see cref="ReadAsync"/> just before, so a provider may keep ids from that read.
    /// </summary>
    Task<DnsApplyResult> ApplyAsync(IReadOnlyList<DnsChange> changes, CancellationToken cancellationToken);
}

namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>
/// The answer of one attempt: the envelope, or the error with whether a write may be retried, whether the route
/// does not exist, and whether no retry may help (<paramref name="Final"/>: an answer over the size cap).
/// </summary>
internal readonly record struct CloudflareReply<T>(CloudflareEnvelope<T>? Envelope, DnsProviderException? Error, bool RetryableWrite, bool NoRoute, bool Final = false)
{
    public static CloudflareReply<T> Failed(DnsProviderException error, bool retryableWrite) => new(null, error, retryableWrite, false);

    public CloudflareEnvelope<T> GetOrThrow() => Error is null ? Envelope! : throw Error;
}

using System.Globalization;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns.Internal;

namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>The Cloudflare provider's errors of the contract (<see cref="DnsProviderException"/>), made in one way.</summary>
internal static class CloudflareErrors
{
    /// <summary>The provider's name on its errors: <see cref="IDnsProvider.Name"/>.</summary>
    public static readonly string Provider = DnsProviderKind.Cloudflare.ToWireName();

    public static DnsProviderException Failure(DnsProviderError kind, string message, string? code = null, TimeSpan? retryAfter = null, Exception? inner = null) =>
        new(Provider, kind, message, code, retryAfter, inner);

    /// <summary>True for what must become a provider error: anything but one already, or the caller's own cancellation.</summary>
    public static bool IsUnexpected(Exception e, CancellationToken cancellationToken) =>
        e is not DnsProviderException && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested);

    public static DnsProviderException Unexpected(CloudflareCall call, Exception e) =>
        Failure(DnsProviderError.Unavailable, $"Cloudflare {call.What} failed: {e.GetType().Name}: {ProviderText.Clip(e.Message)}", inner: e);

    public static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}

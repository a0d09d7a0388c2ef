namespace NeuroPilot.Edge.Tests.TestKit.Dns.Internal;

/// <summary>The budget is spent: HTTP 429, code 10429, <c>Retry-After</c> the seconds left in the window.</summary>
internal sealed class RateLimitedException(TimeSpan wait)
    : CloudflareApiException(429, CloudflareErrorCodes.RateLimited, "Rate limited. Please wait and consider throttling your request speed")
{
    public TimeSpan Wait { get; } = wait;
}

namespace NeuroPilot.Edge.Configuration;

/// <summary>
/// A token bucket per client address (<c>Services.NAME.Limits.RateLimit</c>): <see cref="PerClient"/> requests per
/// <see cref="Per"/> on average, bursts of up to <see cref="Burst"/>. Beyond it 429 with <c>Retry-After</c>.
/// </summary>
public sealed class RateLimitOptions
{
    public required int PerClient { get; init; }

    public TimeSpan Per { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Requests a client may send at once after a quiet period (default <see cref="PerClient"/>).</summary>
    public required int Burst { get; init; }
}

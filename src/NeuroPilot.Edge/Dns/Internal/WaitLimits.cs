namespace NeuroPilot.Edge.Dns.Internal;

/// <summary>
/// The bounds of every wait of the DNS pusher, in one place. A provider's word on how long to wait (Cloudflare's
/// <c>Retry-After</c>, any <see cref="DnsProviderException.RetryAfter"/>) is believed up to
/// <see cref="MaxProviderWait"/>, never longer: a broken or hostile answer cannot park the pusher for weeks. And no
/// single timer is asked for more than <see cref="MaxTimer"/>, far below what <see cref="CancellationTokenSource"/>
/// and <see cref="Task.Delay(TimeSpan, TimeProvider)"/> accept (<see cref="uint.MaxValue"/> - 1 ms, about 49.7 days,
/// past which they throw): a longer wait wakes early and looks again.
/// </summary>
internal static class WaitLimits
{
    /// <summary>The longest a provider may hold the pusher back: 1 hour.</summary>
    public static readonly TimeSpan MaxProviderWait = TimeSpan.FromHours(1);

    /// <summary>The longest single timer: 1 day (config durations are at most 24 h, provider waits at most 1 h).</summary>
    public static readonly TimeSpan MaxTimer = TimeSpan.FromDays(1);

    /// <summary><paramref name="wait"/> within [0, <see cref="MaxProviderWait"/>].</summary>
    public static TimeSpan CapProviderWait(TimeSpan wait) =>
        wait < TimeSpan.Zero ? TimeSpan.Zero : wait > MaxProviderWait ? MaxProviderWait : wait;

    /// <summary><paramref name="delay"/> within [0, <see cref="MaxTimer"/>].</summary>
    public static TimeSpan ClampTimer(TimeSpan delay) =>
        delay < TimeSpan.Zero ? TimeSpan.Zero : delay > MaxTimer ? MaxTimer : delay;
}

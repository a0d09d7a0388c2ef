using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Limits;

/// <summary>
/// The limits of one service at run time (<c>Services.NAME.Limits</c>). The in-flight limiter and the rate buckets
/// are carried across reloads while their settings stay the same, so a reload neither forgets requests in flight nor
/// refills every client's bucket.
/// </summary>
public sealed class ServiceLimits
{
    public ServiceLimits(LimitsOptions options, ServiceLimits? previous, TimeProvider time)
    {
        MaxRequestBodySize = options.MaxRequestBodySize;
        if (options.MaxInFlight is { } maxInFlight)
        {
            InFlight = previous?.InFlight is { } old && old.MaxInFlight == maxInFlight && old.MaxQueue == options.MaxQueue && old.QueueTimeout == options.QueueTimeout
                ? old
                : new InFlightLimiter(maxInFlight, options.MaxQueue, options.QueueTimeout, time);
        }

        if (options.RateLimit is { } rate)
        {
            Rate = previous?.Rate is { } old && old.PerClient == rate.PerClient && old.Per == rate.Per && old.Burst == rate.Burst
                ? old
                : new ClientRateLimiter(rate.PerClient, rate.Per, rate.Burst, time);
        }
    }

    public long? MaxRequestBodySize { get; }

    public InFlightLimiter? InFlight { get; }

    public ClientRateLimiter? Rate { get; }

    /// <summary>The checks that need no waiting: body size (declared), client rate, a free in-flight slot.</summary>
    public LimitDecision AdmitAtOnce(long? contentLength, string? client, out TimeSpan retryAfter, out bool needsQueue)
    {
        retryAfter = TimeSpan.Zero;
        needsQueue = false;
        if (contentLength > MaxRequestBodySize)
        {
            return LimitDecision.BodyTooLarge;
        }

        if (Rate is { } rate && !rate.TryAcquire(client, out retryAfter))
        {
            return LimitDecision.RateLimited;
        }

        needsQueue = InFlight is { } inFlight && !inFlight.TryEnter();
        return LimitDecision.Admitted;
    }
}

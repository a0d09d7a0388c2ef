using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Health;

/// <summary>
/// Active health of one probe target, HAProxy-style: <c>UnhealthyThreshold</c> failed probes in a row take it down
/// (fall), <c>HealthyThreshold</c> good probes in a row bring it back (rise). Starts up, so traffic flows before the
/// first probe (or down, when a destination known down gets a new tracker). Also decides when the next probe fires: <c>Interval</c> while all is well, <c>FastInterval</c> while
/// a destination is suspect, down or recovering, always with jitter so probes never fire in lockstep.
/// Not thread-safe: one probe loop owns it.
/// </summary>
public sealed class ProbeTracker(HealthCheckOptions options, bool startHealthy = true)
{
    /// <summary>Each delay is the interval times a factor in [1 - Jitter, 1 + Jitter).</summary>
    public const double Jitter = 0.15;

    public bool Healthy { get; private set; } = startHealthy;

    public int ConsecutiveFailures { get; private set; }

    public int ConsecutiveSuccesses { get; private set; }

    public HealthCheckOptions Options { get; set; } = options;

    /// <summary>Records a probe; true when the health changed (fell or rose).</summary>
    public bool Record(bool success)
    {
        if (success)
        {
            ConsecutiveSuccesses++;
            ConsecutiveFailures = 0;
            if (!Healthy && ConsecutiveSuccesses >= Options.HealthyThreshold)
            {
                Healthy = true;
                return true;
            }
        }
        else
        {
            ConsecutiveFailures++;
            ConsecutiveSuccesses = 0;
            if (Healthy && ConsecutiveFailures >= Options.UnhealthyThreshold)
            {
                Healthy = false;
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether probes should run at the fast interval: down, recovering, failing, or suspected by traffic.</summary>
    public bool IsFast(bool suspected) => suspected || !Healthy || ConsecutiveFailures > 0;

    /// <summary>The wait before the next probe; <paramref name="random"/> in [0, 1).</summary>
    public TimeSpan NextDelay(bool suspected, double random)
    {
        var interval = IsFast(suspected) ? Options.FastInterval : Options.Interval;
        return interval * (1 - Jitter + (2 * Jitter * random));
    }

    /// <summary>The wait before the very first probe: a random phase within the fast interval.</summary>
    public TimeSpan FirstDelay(double random) => TimeSpan.FromTicks((long)(Math.Min(Options.FastInterval.Ticks, Options.Interval.Ticks) * random));
}

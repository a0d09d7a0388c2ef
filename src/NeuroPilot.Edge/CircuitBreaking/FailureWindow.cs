namespace NeuroPilot.Edge.CircuitBreaking;

/// <summary>
/// Attempts and failures over a sliding window, in buckets, updated lock-free with <see cref="Interlocked"/>.
/// A bucket that rolls over while another thread records into it may lose that one count: the window is a
/// health signal, not an audit, and staying lock-free on the request path is worth that.
/// </summary>
public sealed class FailureWindow
{
    private const int BucketCount = 10;

    private readonly long _bucketTicks;
    private readonly long[] _epochs = new long[BucketCount];
    private readonly int[] _totals = new int[BucketCount];
    private readonly int[] _failures = new int[BucketCount];

    public FailureWindow(TimeSpan duration, long timestampFrequency)
    {
        _bucketTicks = Math.Max(1, (long)(duration.TotalSeconds * timestampFrequency / BucketCount));
        Array.Fill(_epochs, -1);
    }

    public void Record(long timestamp, bool failed)
    {
        var epoch = timestamp / _bucketTicks;
        var slot = (int)(epoch % BucketCount);
        var seen = Volatile.Read(ref _epochs[slot]);
        if (seen != epoch && Interlocked.CompareExchange(ref _epochs[slot], epoch, seen) == seen)
        {
            Volatile.Write(ref _totals[slot], 0);
            Volatile.Write(ref _failures[slot], 0);
        }

        Interlocked.Increment(ref _totals[slot]);
        if (failed)
        {
            Interlocked.Increment(ref _failures[slot]);
        }
    }

    /// <summary>Attempts and failures in the window ending at <paramref name="timestamp"/>.</summary>
    public (int Total, int Failures) Sum(long timestamp)
    {
        var epoch = timestamp / _bucketTicks;
        int total = 0, failures = 0;
        for (var slot = 0; slot < BucketCount; slot++)
        {
            var bucketEpoch = Volatile.Read(ref _epochs[slot]);
            if (bucketEpoch >= 0 && bucketEpoch > epoch - BucketCount && bucketEpoch <= epoch)
            {
                total += Volatile.Read(ref _totals[slot]);
                failures += Volatile.Read(ref _failures[slot]);
            }
        }

        return (total, failures);
    }

    public void Clear()
    {
        for (var slot = 0; slot < BucketCount; slot++)
        {
            Volatile.Write(ref _epochs[slot], -1);
        }
    }
}

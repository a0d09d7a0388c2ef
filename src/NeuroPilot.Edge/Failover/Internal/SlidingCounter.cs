namespace NeuroPilot.Edge.Failover.Internal;

/// <summary>
/// A count of events over a sliding window of ten buckets, lock-free. A bucket that rolls over while another
/// thread counts into it may lose that count; the budget it feeds is a guard rail, not an audit.
/// </summary>
internal sealed class SlidingCounter
{
    private const int BucketCount = 10;

    private readonly long _bucketTicks;
    private readonly long[] _epochs = new long[BucketCount];
    private readonly int[] _counts = new int[BucketCount];

    public SlidingCounter(TimeSpan window, long timestampFrequency)
    {
        _bucketTicks = Math.Max(1, (long)(window.TotalSeconds * timestampFrequency / BucketCount));
        Array.Fill(_epochs, -1);
    }

    public void Increment(long timestamp)
    {
        var epoch = timestamp / _bucketTicks;
        var slot = (int)(epoch % BucketCount);
        var seen = Volatile.Read(ref _epochs[slot]);
        if (seen != epoch && Interlocked.CompareExchange(ref _epochs[slot], epoch, seen) == seen)
        {
            Volatile.Write(ref _counts[slot], 0);
        }

        Interlocked.Increment(ref _counts[slot]);
    }

    public int Sum(long timestamp)
    {
        var epoch = timestamp / _bucketTicks;
        var sum = 0;
        for (var slot = 0; slot < BucketCount; slot++)
        {
            var bucketEpoch = Volatile.Read(ref _epochs[slot]);
            if (bucketEpoch > epoch - BucketCount && bucketEpoch <= epoch)
            {
                sum += Volatile.Read(ref _counts[slot]);
            }
        }

        return sum;
    }
}

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

    /// <summary>One array of buckets (an epoch and its two counts side by side): one object per window, one cache line per record.</summary>
    private readonly Bucket[] _buckets = new Bucket[BucketCount];

    public FailureWindow(TimeSpan duration, long timestampFrequency)
    {
        _bucketTicks = Math.Max(1, (long)(duration.TotalSeconds * timestampFrequency / BucketCount));
        Clear();
    }

    public void Record(long timestamp, bool failed)
    {
        var epoch = timestamp / _bucketTicks;
        ref var bucket = ref _buckets[(int)(epoch % BucketCount)];
        var seen = Volatile.Read(ref bucket.Epoch);
        if (seen != epoch && Interlocked.CompareExchange(ref bucket.Epoch, epoch, seen) == seen)
        {
            Volatile.Write(ref bucket.Total, 0);
            Volatile.Write(ref bucket.Failures, 0);
        }

        Interlocked.Increment(ref bucket.Total);
        if (failed)
        {
            Interlocked.Increment(ref bucket.Failures);
        }
    }

    /// <summary>Attempts and failures in the window ending at <paramref name="timestamp"/>.</summary>
    public (int Total, int Failures) Sum(long timestamp)
    {
        var epoch = timestamp / _bucketTicks;
        int total = 0, failures = 0;
        for (var slot = 0; slot < BucketCount; slot++)
        {
            ref var bucket = ref _buckets[slot];
            var bucketEpoch = Volatile.Read(ref bucket.Epoch);
            if (bucketEpoch >= 0 && bucketEpoch > epoch - BucketCount && bucketEpoch <= epoch)
            {
                total += Volatile.Read(ref bucket.Total);
                failures += Volatile.Read(ref bucket.Failures);
            }
        }

        return (total, failures);
    }

    public void Clear()
    {
        for (var slot = 0; slot < BucketCount; slot++)
        {
            Volatile.Write(ref _buckets[slot].Epoch, -1);
        }
    }

    private struct Bucket
    {
        public long Epoch;
        public int Total;
        public int Failures;
    }
}

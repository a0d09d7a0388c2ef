using System.Runtime.CompilerServices;

namespace NeuroPilot.Edge.CircuitBreaking;

/// <summary>
/// Attempts and failures over a sliding window, in buckets, updated lock-free with <see cref="Interlocked"/>.
/// A bucket that rolls over while another thread records into it may lose that one count: the window is a
/// health signal, not an audit, and staying lock-free on the request path is worth that.
/// <para>
/// The buckets come with the first record: a destination that never takes a request (most of 10,000 probed ones)
/// keeps no array (184 bytes each).
/// </para>
/// </summary>
public sealed class FailureWindow
{
    private const int BucketCount = 10;

    private readonly long _bucketTicks;

    /// <summary>One array of buckets (an epoch and its two counts side by side): one object per window, one cache line per record. Null until the first record.</summary>
    private Bucket[]? _buckets;

    public FailureWindow(TimeSpan duration, long timestampFrequency)
    {
        _bucketTicks = Math.Max(1, (long)(duration.TotalSeconds * timestampFrequency / BucketCount));
    }

    /// <summary>Whether the buckets exist (the first record made them; for tests).</summary>
    internal bool HasBuckets => Volatile.Read(ref _buckets) is not null;

    public void Record(long timestamp, bool failed)
    {
        var epoch = timestamp / _bucketTicks;
        var buckets = Volatile.Read(ref _buckets) ?? Buckets();
        ref var bucket = ref buckets[(int)(epoch % BucketCount)];
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
        if (Volatile.Read(ref _buckets) is not { } buckets)
        {
            return (total, failures);
        }

        for (var slot = 0; slot < BucketCount; slot++)
        {
            ref var bucket = ref buckets[slot];
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
        if (Volatile.Read(ref _buckets) is not { } buckets)
        {
            return;
        }

        for (var slot = 0; slot < BucketCount; slot++)
        {
            Volatile.Write(ref buckets[slot].Epoch, -1);
        }
    }

    /// <summary>The buckets, made by the first record (out of line: once per window); of two racing records, one array wins for both.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Bucket[] Buckets()
    {
        var buckets = new Bucket[BucketCount];
        for (var slot = 0; slot < BucketCount; slot++)
        {
            buckets[slot].Epoch = -1;
        }

        return Interlocked.CompareExchange(ref _buckets, buckets, null) ?? buckets;
    }

    private struct Bucket
    {
        public long Epoch;
        public int Total;
        public int Failures;
    }
}

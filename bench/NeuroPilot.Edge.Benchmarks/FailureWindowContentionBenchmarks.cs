using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using NeuroPilot.Edge.Benchmarks.Infrastructure;
using NeuroPilot.Edge.CircuitBreaking;
using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Benchmarks;

/// <summary>
/// Proves (or not) the Interlocked/Volatile choice of <see cref="FailureWindow.Record"/>: the same ten-bucket
/// sliding window written with a lock (<see cref="LockedFailureWindow"/>, the baseline), recording from one and
/// from two threads into one window (one destination under concurrent requests). Every operation reads the clock
/// as the breaker does (<see cref="Stopwatch.GetTimestamp"/>, what <see cref="TimeProvider.System"/> returns) and
/// records a failure one time in sixteen. Time per operation over <see cref="Operations"/> operations (wall, or CPU
/// with <c>--cpu-clock</c>: see bench/README.md).
/// </summary>
[MemoryDiagnoser]
public class FailureWindowContentionBenchmarks
{
    public const int Operations = 1 << 16;

    private ParallelRunner _runner = null!;
    private FailureWindow _lockFree = null!;
    private LockedFailureWindow _locked = null!;
    private Action<int> _recordLockFree = null!;
    private Action<int> _recordLocked = null!;
    private int _perThread;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _runner = new ParallelRunner(Threads);
        _perThread = Operations / Threads;
        _lockFree = new FailureWindow(CircuitBreakerDefaults.SamplingDuration, Stopwatch.Frequency);
        _locked = new LockedFailureWindow(CircuitBreakerDefaults.SamplingDuration, Stopwatch.Frequency);
        _recordLockFree = RecordLockFree;
        _recordLocked = RecordLocked;
    }

    [GlobalCleanup]
    public void Cleanup() => _runner.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations, Description = "lock-based window: Record")]
    public void LockedRecord() => _runner.Run(_recordLocked);

    [Benchmark(OperationsPerInvoke = Operations, Description = "FailureWindow (Interlocked): Record")]
    public void FailureWindowRecord() => _runner.Run(_recordLockFree);

    private void RecordLockFree(int thread)
    {
        var window = _lockFree;
        for (var i = 0; i < _perThread; i++)
        {
            window.Record(Stopwatch.GetTimestamp(), failed: (i & 15) == 0);
        }
    }

    private void RecordLocked(int thread)
    {
        var window = _locked;
        for (var i = 0; i < _perThread; i++)
        {
            window.Record(Stopwatch.GetTimestamp(), failed: (i & 15) == 0);
        }
    }

    /// <summary>
    /// <see cref="FailureWindow"/> as it would be written with a lock: the same buckets and roll-over rule, plain
    /// fields, every record under one <see cref="Lock"/> (exact counts, no lost update at a roll-over).
    /// </summary>
    private sealed class LockedFailureWindow
    {
        private const int BucketCount = 10;

        private readonly Lock _gate = new();
        private readonly long _bucketTicks;
        private readonly long[] _epochs = new long[BucketCount];
        private readonly int[] _totals = new int[BucketCount];
        private readonly int[] _failures = new int[BucketCount];

        public LockedFailureWindow(TimeSpan duration, long timestampFrequency)
        {
            _bucketTicks = Math.Max(1, (long)(duration.TotalSeconds * timestampFrequency / BucketCount));
            Array.Fill(_epochs, -1);
        }

        public void Record(long timestamp, bool failed)
        {
            var epoch = timestamp / _bucketTicks;
            var slot = (int)(epoch % BucketCount);
            lock (_gate)
            {
                if (_epochs[slot] != epoch)
                {
                    _epochs[slot] = epoch;
                    _totals[slot] = 0;
                    _failures[slot] = 0;
                }

                _totals[slot]++;
                if (failed)
                {
                    _failures[slot]++;
                }
            }
        }
    }
}

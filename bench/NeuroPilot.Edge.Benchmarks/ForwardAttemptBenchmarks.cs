using BenchmarkDotNet.Attributes;
using NeuroPilot.Edge.Benchmarks.Infrastructure;
using NeuroPilot.Edge.Failover;
using NeuroPilot.Edge.Routing;

namespace NeuroPilot.Edge.Benchmarks;

/// <summary>
/// The bookkeeping <c>EdgeProxy</c> does around every forwarded attempt, on a pooled <see cref="ForwardAttempt"/>:
/// <c>Begin</c>, destination <c>OnRequestStarted</c>/<c>OnRequestEnded</c>, <c>OnResponseHeaders(200)</c>,
/// <c>End</c>, and the pool's <c>Reset</c>; without and with a per-try timeout (which arms, disarms and resets a
/// reused <see cref="CancellationTokenSource"/> timer). One and two threads sending to one destination, each
/// thread with its own attempt object (as the pool gives one per request).
/// </summary>
[MemoryDiagnoser]
public class ForwardAttemptBenchmarks
{
    public const int Operations = 1 << 16;

    private static readonly TimeSpan PerTryTimeout = TimeSpan.FromSeconds(2);

    private ParallelRunner _runner = null!;
    private DestinationState _destination = null!;
    private ForwardAttempt[] _attempts = null!;
    private Action<int> _plain = null!;
    private Action<int> _withPerTry = null!;
    private int _perThread;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _runner = new ParallelRunner(Threads);
        _perThread = Operations / Threads;
        _destination = EdgeFixture.Api(EdgeFixture.BuildTable()).Regions[0].Destinations[0];
        _attempts = new ForwardAttempt[Threads];
        for (var i = 0; i < Threads; i++)
        {
            _attempts[i] = new ForwardAttempt(TimeProvider.System) { RetryOnStatusCodes = [502, 503, 504] };
        }

        _plain = RunPlain;
        _withPerTry = RunWithPerTryTimeout;
    }

    [GlobalCleanup]
    public void Cleanup() => _runner.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations, Description = "attempt bookkeeping, no per-try timeout")]
    public void Attempt() => _runner.Run(_plain);

    [Benchmark(OperationsPerInvoke = Operations, Description = "attempt bookkeeping, PerTryTimeout 2 s")]
    public void AttemptWithPerTryTimeout() => _runner.Run(_withPerTry);

    private void RunPlain(int thread) => Run(_attempts[thread], perTryTimeout: null);

    private void RunWithPerTryTimeout(int thread) => Run(_attempts[thread], PerTryTimeout);

    private void Run(ForwardAttempt attempt, TimeSpan? perTryTimeout)
    {
        var destination = _destination;
        for (var i = 0; i < _perThread; i++)
        {
            attempt.MayRetry = true;
            attempt.Begin(destination, perTryTimeout);
            destination.OnRequestStarted();
            destination.OnRequestEnded();
            attempt.OnResponseHeaders(200);
            attempt.End();
            attempt.Reset();
        }
    }
}

using BenchmarkDotNet.Attributes;
using NeuroPilot.Edge.Benchmarks.Infrastructure;
using NeuroPilot.Edge.Configuration;
using Polly;
using Polly.CircuitBreaker;
using OurBreaker = NeuroPilot.Edge.CircuitBreaking.CircuitBreaker;
using OurCircuitState = NeuroPilot.Edge.CircuitBreaking.CircuitState;
using PollyCircuitState = Polly.CircuitBreaker.CircuitState;

namespace NeuroPilot.Edge.Benchmarks;

/// <summary>
/// Our per-destination <see cref="OurBreaker"/> against Polly.Core's circuit breaker, recording one outcome in
/// the closed state (no trip) or reading the state, on one thread and on two threads sharing one breaker (one
/// destination under concurrent requests). Each invocation runs <see cref="Operations"/> operations split over
/// <see cref="Threads"/>; the figure is time per operation: wall time halves on two threads with perfect scaling,
/// CPU time (<c>--cpu-clock</c>) stays flat, and contention raises both.
/// <para>
/// Polly has no API to record an outcome without running the callback through the pipeline, so the fairest
/// "manual" use of it is the pattern its docs give for hot paths: a pooled <see cref="ResilienceContext"/>,
/// <c>ExecuteOutcomeAsync</c> with a static callback and state, results (not exceptions) as failures.
/// </para>
/// </summary>
[MemoryDiagnoser]
public class CircuitBreakerBenchmarks
{
    public const int Operations = 1 << 16;

    private const int Ok = 200;
    private const int Unavailable = 503;

    private static readonly Func<ResilienceContext, int, ValueTask<Outcome<int>>> Respond =
        static (_, status) => Outcome.FromResultAsValueTask(status);

    private ParallelRunner _runner = null!;
    private OurBreaker _ours = null!;
    private ResiliencePipeline _polly = null!;
    private ResiliencePipeline<int> _pollyTyped = null!;
    private CircuitBreakerStateProvider _pollyState = null!;
    private Action<int> _pollyExecute = null!;
    private Action<int> _pollyOutcomeSuccess = null!;
    private Action<int> _pollyOutcomeFailure = null!;
    private Action<int> _pollyStateRead = null!;
    private Action<int> _oursOnSuccess = null!;
    private Action<int> _oursOnFailure = null!;
    private Action<int> _oursStateRead = null!;
    private int _perThread;
    private int _sink;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _runner = new ParallelRunner(Threads);
        _perThread = Operations / Threads;

        // Thresholds out of reach, so that recording failures stays on the closed path (no trip, no transition).
        _ours = new OurBreaker(
            new CircuitBreakerOptions { ConsecutiveFailures = int.MaxValue, MinimumThroughput = int.MaxValue },
            HealthCheckDefaults.HealthyThreshold,
            TimeProvider.System);

        _polly = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = CircuitBreakerDefaults.FailureRatio,
                SamplingDuration = CircuitBreakerDefaults.SamplingDuration,
                MinimumThroughput = CircuitBreakerDefaults.MinimumThroughput,
                BreakDuration = CircuitBreakerDefaults.BreakDuration,
            })
            .Build();

        _pollyState = new CircuitBreakerStateProvider();
        _pollyTyped = new ResiliencePipelineBuilder<int>()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<int>
            {
                FailureRatio = CircuitBreakerDefaults.FailureRatio,
                SamplingDuration = CircuitBreakerDefaults.SamplingDuration,
                MinimumThroughput = int.MaxValue,
                BreakDuration = CircuitBreakerDefaults.BreakDuration,
                ShouldHandle = new PredicateBuilder<int>().HandleResult(static status => status >= 500),
                StateProvider = _pollyState,
            })
            .Build();

        _pollyExecute = RunPollyExecute;
        _pollyOutcomeSuccess = RunPollyOutcomeSuccess;
        _pollyOutcomeFailure = RunPollyOutcomeFailure;
        _pollyStateRead = RunPollyState;
        _oursOnSuccess = RunOursOnSuccess;
        _oursOnFailure = RunOursOnFailure;
        _oursStateRead = RunOursState;

        PollyOutcome(Unavailable);
        EdgeFixture.Expect(_pollyState.CircuitState == PollyCircuitState.Closed, "the Polly breaker tripped");
        _ours.OnFailure("reset");
        EdgeFixture.Expect(_ours.State == OurCircuitState.Closed, "our breaker tripped");
    }

    [GlobalCleanup]
    public void Cleanup() => _runner.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations, Description = "Polly: pipeline.Execute(no-op)")]
    public void PollyExecute() => _runner.Run(_pollyExecute);

    [Benchmark(OperationsPerInvoke = Operations, Description = "Polly: pooled context+ExecuteOutcomeAsync, success")]
    public void PollyOutcomeSuccess() => _runner.Run(_pollyOutcomeSuccess);

    [Benchmark(OperationsPerInvoke = Operations, Description = "Polly: pooled context+ExecuteOutcomeAsync, 503 (no trip)")]
    public void PollyOutcomeFailure() => _runner.Run(_pollyOutcomeFailure);

    [Benchmark(OperationsPerInvoke = Operations, Description = "Polly: StateProvider.CircuitState")]
    public void PollyState() => _runner.Run(_pollyStateRead);

    [Benchmark(OperationsPerInvoke = Operations, Description = "Ours: OnSuccess")]
    public void OursOnSuccess() => _runner.Run(_oursOnSuccess);

    [Benchmark(OperationsPerInvoke = Operations, Description = "Ours: OnFailure (closed, no trip)")]
    public void OursOnFailure() => _runner.Run(_oursOnFailure);

    [Benchmark(OperationsPerInvoke = Operations, Description = "Ours: State")]
    public void OursState() => _runner.Run(_oursStateRead);

    private void PollyOutcome(int status)
    {
        var context = ResilienceContextPool.Shared.Get();
        try
        {
            var outcome = _pollyTyped.ExecuteOutcomeAsync(Respond, context, status).GetAwaiter().GetResult();
            if (outcome.Result != status)
            {
                Fail(outcome);
            }
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    // One loop per operation, so that no delegate call per operation blurs the nanoseconds being compared.
    private void RunPollyExecute(int thread)
    {
        for (var i = 0; i < _perThread; i++)
        {
            _polly.Execute(static () => { });
        }
    }

    private void RunPollyOutcomeSuccess(int thread)
    {
        for (var i = 0; i < _perThread; i++)
        {
            PollyOutcome(Ok);
        }
    }

    private void RunPollyOutcomeFailure(int thread)
    {
        for (var i = 0; i < _perThread; i++)
        {
            PollyOutcome(Unavailable);
        }
    }

    private void RunPollyState(int thread)
    {
        var closed = 0;
        for (var i = 0; i < _perThread; i++)
        {
            closed += _pollyState.CircuitState == PollyCircuitState.Closed ? 1 : 0;
        }

        Volatile.Write(ref _sink, closed);
    }

    private void RunOursOnSuccess(int thread)
    {
        for (var i = 0; i < _perThread; i++)
        {
            _ours.OnSuccess();
        }
    }

    private void RunOursOnFailure(int thread)
    {
        for (var i = 0; i < _perThread; i++)
        {
            _ours.OnFailure("reset");
        }
    }

    private void RunOursState(int thread)
    {
        var closed = 0;
        for (var i = 0; i < _perThread; i++)
        {
            closed += _ours.State == OurCircuitState.Closed ? 1 : 0;
        }

        Volatile.Write(ref _sink, closed);
    }

    private static void Fail(Outcome<int> outcome) =>
        throw new InvalidOperationException($"the Polly pipeline returned {outcome.Result} / {outcome.Exception?.Message}");
}

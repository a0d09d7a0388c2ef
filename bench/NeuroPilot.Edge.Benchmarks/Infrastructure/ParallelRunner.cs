namespace NeuroPilot.Edge.Benchmarks.Infrastructure;

/// <summary>
/// Runs one piece of work on a fixed number of threads at once: the calling thread plus persistent background
/// workers released through a <see cref="Barrier"/>, so starting a round costs a few microseconds and allocates
/// nothing (no Parallel.For partitioning, no tasks). With one thread the work runs inline.
/// </summary>
internal sealed class ParallelRunner : IDisposable
{
    private readonly Barrier? _barrier;
    private readonly Thread[] _workers;
    private Action<int>? _work;
    private volatile bool _stopping;

    public ParallelRunner(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = threads;
        _workers = new Thread[threads - 1];
        if (threads == 1)
        {
            return;
        }

        _barrier = new Barrier(threads);
        for (var i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"bench-worker-{i + 1}" };
            _workers[i].Start(i + 1);
        }
    }

    public int Threads { get; }

    /// <summary>Runs <paramref name="work"/> on every thread (argument: the thread's index, 0 is the caller) and waits for all.</summary>
    public void Run(Action<int> work)
    {
        if (_barrier is null)
        {
            work(0);
            return;
        }

        _work = work;
        _barrier.SignalAndWait();
        work(0);
        _barrier.SignalAndWait();
    }

    public void Dispose()
    {
        if (_barrier is null)
        {
            return;
        }

        _stopping = true;
        _barrier.SignalAndWait();
        foreach (var worker in _workers)
        {
            worker.Join();
        }

        _barrier.Dispose();
    }

    private void WorkerLoop(object? state)
    {
        var index = (int)state!;
        while (true)
        {
            _barrier!.SignalAndWait();
            if (_stopping)
            {
                return;
            }

            _work!(index);
            _barrier.SignalAndWait();
        }
    }
}

namespace NeuroPilot.Edge.Health.Internal;

/// <summary>
/// One blocking, compacting, aggressive full collection once the health agent has applied a table with many
/// destinations (at start and after a reload that changed the config) and their first probes have run. Building the
/// state of 10,000 destinations (the config's JSON, the routing table, probe targets, breakers, series, then a socket
/// and its buffers per destination at the first probe) leaves megabytes of garbage and free regions that the GC keeps
/// committed for the process's life; measured at 10,000 destinations, the GC held ~60 MB committed for ~33 MB of heap
/// before this collection and ~28 MB after it (bench/README.md "What active probes cost").
/// <para>
/// The price is one pause of the whole process per applied config: every request in flight waits for it (76 ms at
/// 10,000 destinations on the busy 2-core VM, a 27 MB heap). It is paid only for tables of at least
/// <see cref="MinDestinations"/> destinations, where the memory it returns is worth a pause; reloads in a row are one
/// compaction, after the last.
/// </para>
/// </summary>
internal sealed class HeapCompaction : IDisposable
{
    /// <summary>The fewest destinations in a table for which applying it compacts the heap.</summary>
    public const int MinDestinations = 1_000;

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly Action _collect;
    private ITimer? _timer;
    private int _compactions;

    /// <param name="collect">The collection (a test's counter); null: the aggressive, compacting full collection.</param>
    public HeapCompaction(TimeProvider time, Action? collect = null)
    {
        _time = time;
        _collect = collect ?? Collect;
    }

    /// <summary>How many compactions have run.</summary>
    public int Compactions => Volatile.Read(ref _compactions);

    /// <summary>Whether a compaction waits for its time.</summary>
    public bool Pending
    {
        get
        {
            lock (_gate)
            {
                return _timer is not null;
            }
        }
    }

    /// <summary>
    /// A table of <paramref name="destinations"/> was applied; its first probes are all sent and answered or timed out
    /// within <paramref name="firstProbes"/>. Compacts after that when the table is large; a compaction still waiting
    /// waits again, for this table's first probes (one compaction for reloads in a row).
    /// </summary>
    public void Applied(int destinations, TimeSpan firstProbes)
    {
        lock (_gate)
        {
            if (destinations < MinDestinations)
            {
                return;
            }

            if (_timer is null)
            {
                _timer = _time.CreateTimer(static s => ((HeapCompaction)s!).Run(), this, firstProbes, Timeout.InfiniteTimeSpan);
            }
            else
            {
                _timer.Change(firstProbes, Timeout.InfiniteTimeSpan);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    private void Run()
    {
        lock (_gate)
        {
            if (_timer is null)
            {
                return;
            }

            _timer.Dispose();
            _timer = null;
        }

        _collect();
        Interlocked.Increment(ref _compactions);
    }

    private static void Collect() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
}

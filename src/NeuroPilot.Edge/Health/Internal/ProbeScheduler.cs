namespace NeuroPilot.Edge.Health.Internal;

/// <summary>
/// Drives the probes of every target from one timer: a due-list ordered by time (a priority queue of due times and
/// probe deadlines) checked every <see cref="Resolution"/>. Each check starts the probes that are due, in time order,
/// as one batch, and cancels those past their timeout; no timer, delay or loop per target, no timer per probe.
/// <see cref="ProbeNow"/> starts a probe at once (on the thread pool) instead of at the next check.
/// </summary>
internal sealed class ProbeScheduler : IDisposable
{
    /// <summary>How often due probes and deadlines are checked: a probe starts at most this late, a timeout fires at most this late.</summary>
    public static readonly TimeSpan Resolution = TimeSpan.FromMilliseconds(50);

    private readonly Lock _gate = new();
    private readonly Lock _runGate = new();
    /// <summary>The smallest due-list kept: below it, a shrink would save too little to be worth a new array.</summary>
    internal const int MinCapacity = 1024;

    private PriorityQueue<Entry, long> _queue = new();
    private readonly List<ProbeTarget> _starting = [];
    private readonly List<Entry> _expired = [];
    private readonly List<Entry> _deadlines = [];
    private ITimer? _timer;
    private int _kickQueued;
    private bool _disposed;

    public ProbeScheduler(TimeProvider time)
    {
        Time = time;
    }

    public TimeProvider Time { get; }

    /// <summary>How many timers the scheduler has armed: one at most, however many targets it drives.</summary>
    public int ArmedTimers
    {
        get
        {
            lock (_gate)
            {
                return _timer is null ? 0 : 1;
            }
        }
    }

    /// <summary>How many entries the due-list has room for (it shrinks once it is less than half full).</summary>
    public int Capacity
    {
        get
        {
            lock (_gate)
            {
                return _queue.Capacity;
            }
        }
    }

    /// <summary>Entries waiting (due times and deadlines, stale ones included until their time).</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>
    /// Schedules the target's next probe <paramref name="delay"/> from now (sooner when a wake-up was asked for while
    /// it probed); its probe is over. A stopped target is never scheduled.
    /// </summary>
    public void Schedule(ProbeTarget target, TimeSpan delay)
    {
        bool now;
        lock (_gate)
        {
            target.InProbe = false;
            if (target.IsStopped || _disposed)
            {
                return;
            }

            now = target.WakeRequested || delay <= TimeSpan.Zero;
            target.WakeRequested = false;
            target.Version++;
            _queue.Enqueue(new Entry(target, target.Version, deadline: false), Time.GetTimestamp() + ToTimestamp(now ? TimeSpan.Zero : delay));
            _timer ??= Time.CreateTimer(static s => ((ProbeScheduler)s!).RunDue(), this, Resolution, Resolution);
        }

        if (now)
        {
            Kick();
        }
    }

    /// <summary>Probes the target at once, or right after the probe it is running now.</summary>
    public void ProbeNow(ProbeTarget target)
    {
        lock (_gate)
        {
            if (target.IsStopped || _disposed)
            {
                return;
            }

            if (target.InProbe)
            {
                target.WakeRequested = true;
                return;
            }

            target.Version++;
            _queue.Enqueue(new Entry(target, target.Version, deadline: false), Time.GetTimestamp());
        }

        Kick();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer?.Dispose();
            _queue.Clear();
        }
    }

    /// <summary>Starts the due probes in time order and cancels the probes past their deadline.</summary>
    internal void RunDue()
    {
        lock (_runGate)
        {
            var now = Time.GetTimestamp();
            TakeDue(now);

            foreach (var entry in _expired)
            {
                entry.Target.CancelProbe(entry.Sequence);
            }

            // Every request of the batch first, then the reads: most answers are in by the time they are read.
            foreach (var target in _starting)
            {
                target.SendAhead();
            }

            foreach (var target in _starting)
            {
                // A probe whose answer was already in is over by now: no deadline to keep for it.
                if (target.BeginProbe(now) is var number && number > 0 && target.IsProbing(number))
                {
                    _deadlines.Add(new Entry(target, number, deadline: true));
                }
            }

            lock (_gate)
            {
                foreach (var entry in _deadlines)
                {
                    _queue.Enqueue(entry, now + ToTimestamp(entry.Target.Tracker.Options.Timeout));
                }
            }

            _expired.Clear();
            _starting.Clear();
            _deadlines.Clear();
        }
    }

    private void TakeDue(long now)
    {
        lock (_gate)
        {
            while (_queue.TryPeek(out var entry, out var due) && due <= now)
            {
                _queue.Dequeue();
                var target = entry.Target;
                if (entry.Deadline)
                {
                    _expired.Add(entry);
                }
                else if (entry.Sequence == target.Version && !target.InProbe && !target.IsStopped)
                {
                    target.InProbe = true;
                    _starting.Add(target);
                }
            }

            ShrinkIfSparse();
        }
    }

    /// <summary>
    /// A due-list less than half full is rebuilt with a quarter of room to spare (under the gate), so it is never more
    /// than twice what it holds (or <see cref="MinCapacity"/>). Its array only
    /// grows (doubling) otherwise: the first round's deadlines (one per target while it connects), or a config that
    /// had more destinations, would keep it twice the size it needs for the process's life (32,768 entries, 0.8 MB, at
    /// 10,000 destinations).
    /// </summary>
    private void ShrinkIfSparse()
    {
        var count = _queue.Count;
        if (_queue.Capacity <= MinCapacity || count >= _queue.Capacity / 2)
        {
            return;
        }

        var smaller = new PriorityQueue<Entry, long>(Math.Max(MinCapacity, count + count / 4));
        smaller.EnqueueRange(_queue.UnorderedItems);
        _queue = smaller;
    }

    private void Kick()
    {
        if (Interlocked.Exchange(ref _kickQueued, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s =>
            {
                Volatile.Write(ref s._kickQueued, 0);
                s.RunDue();
            }, this, preferLocal: false);
        }
    }

    private long ToTimestamp(TimeSpan span) => (long)(span.TotalSeconds * Time.TimestampFrequency);

    /// <summary>
    /// A target's due time (<see cref="Sequence"/>: its schedule version) or a probe's deadline (the probe's number).
    /// Both numbers start at 1 and only grow, so a deadline is kept as the complement of its number: 16 bytes an entry.
    /// </summary>
    private readonly struct Entry(ProbeTarget target, long sequence, bool deadline)
    {
        private readonly long _sequence = deadline ? ~sequence : sequence;

        public ProbeTarget Target { get; } = target;

        public long Sequence => _sequence < 0 ? ~_sequence : _sequence;

        public bool Deadline => _sequence < 0;
    }
}

using System.Diagnostics;
using HdrHistogram;

namespace NeuroPilot.Edge.LoadTests.OpenModel;

/// <summary>
/// Collects the outcome of every request of one run (thread-safe). Requests intended before the measured window
/// (warm-up) are ignored; so is anything recorded after <see cref="Seal"/>.
/// All timestamps are <see cref="Stopwatch"/> timestamps: the harness runs in real time on the OS monotonic clock.
/// </summary>
internal sealed class RunRecorder
{
    private const int FailureKinds = (int)FailureKind.Unsent + 1;

    private readonly Lock _lock = new();
    private readonly LoadProfile _profile;
    private readonly long _highestMicroseconds;
    private readonly LongHistogram _latency;
    private readonly LongHistogram _uncorrected;
    private readonly LongHistogram _sendLag;
    private readonly long[] _failures = new long[FailureKinds];
    private readonly string?[] _firstErrors = new string?[FailureKinds];
    private readonly long[] _statusCodes = new long[600];
    private readonly List<RunMarker> _markers = [];
    private readonly long _lateThresholdTicks;
    private readonly ResponseTrace? _trace;

    private long _windowStart = long.MaxValue;
    private long _windowEnd = long.MaxValue;
    private DateTimeOffset _startedAt;
    private int _seconds;
    private SecondCounters[] _perSecond = [];
    private IntHistogram?[] _perSecondLatency = [];
    private long[] _responsesBySecond = [];
    private long _scheduled;
    private long _sent;
    private long _succeeded;
    private long _httpErrors;
    private long _lateNoConnection;
    private long _lateScheduler;
    private long _reconnects;
    private long _lastSend;
    private bool _sealed;

    public RunRecorder(LoadProfile profile, ResponseTrace? trace = null)
    {
        _profile = profile;
        _trace = trace;
        _highestMicroseconds = Math.Max(1_000_000, (long)(profile.Timeout + profile.Grace + profile.Duration).TotalMicroseconds + 60_000_000);
        _latency = new LongHistogram(1, _highestMicroseconds, 3);
        _uncorrected = new LongHistogram(1, _highestMicroseconds, 3);
        _sendLag = new LongHistogram(1, _highestMicroseconds, 3);
        _lateThresholdTicks = ToTicks(profile.LateThreshold);
    }

    /// <summary>Fixes the measured window: called by the scheduler just before the first send.</summary>
    public void Begin(long windowStart, DateTimeOffset startedAt)
    {
        lock (_lock)
        {
            _windowStart = windowStart;
            _windowEnd = windowStart + ToTicks(_profile.Duration);
            _startedAt = startedAt;
            _seconds = (int)Math.Ceiling(_profile.Duration.TotalSeconds);
            _perSecond = new SecondCounters[_seconds];
            _perSecondLatency = new IntHistogram?[_seconds];
            _responsesBySecond = new long[_seconds + (int)Math.Ceiling(_profile.Grace.TotalSeconds) + 2];
        }
    }

    public TimeSpan ElapsedInWindow(long timestamp) =>
        _windowStart == long.MaxValue ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_windowStart, timestamp);

    public RunProgress Progress(long timestamp)
    {
        lock (_lock)
        {
            long failed = _httpErrors;
            foreach (var count in _failures)
            {
                failed += count;
            }

            return new RunProgress(ElapsedInWindow(timestamp), _sent, _succeeded, failed, _lateNoConnection + _lateScheduler);
        }
    }

    public void Mark(long timestamp, string label)
    {
        lock (_lock)
        {
            _markers.Add(new RunMarker(ElapsedInWindow(timestamp), label));
        }
    }

    /// <summary>The scheduler counts the requests of the measured window it scheduled.</summary>
    public void RecordScheduled(long intended, long count)
    {
        lock (_lock)
        {
            if (_sealed || !TrySecond(intended, out var second))
            {
                return;
            }

            _scheduled += count;
            _perSecond[second].Scheduled += count;
        }
    }

    /// <summary>A request was written (or is about to be) <paramref name="queued"/> after waiting for a connection.</summary>
    public void RecordSend(long intended, long sentAt, bool queued)
    {
        lock (_lock)
        {
            if (_sealed || !TrySecond(intended, out var second))
            {
                return;
            }

            _sent++;
            _perSecond[second].Sent++;
            _lastSend = Math.Max(_lastSend, sentAt);
            var lag = sentAt - intended;
            _sendLag.RecordValue(Clamp(ToMicroseconds(Math.Max(lag, 0))));
            if (queued)
            {
                _lateNoConnection++;
                _perSecond[second].Late++;
            }
            else if (lag > _lateThresholdTicks)
            {
                _lateScheduler++;
                _perSecond[second].Late++;
            }
        }
    }

    public void RecordReconnect()
    {
        Interlocked.Increment(ref _reconnects);
    }

    /// <summary>A complete response (any status); <paramref name="tag"/> goes to the trace, if any.</summary>
    public void RecordResponse(long intended, long sentAt, long completedAt, int statusCode, int tag = 0)
    {
        lock (_lock)
        {
            if (_sealed)
            {
                return;
            }

            var responseSecond = completedAt >= _windowStart ? (completedAt - _windowStart) / Stopwatch.Frequency : -1;
            if (intended >= _windowStart && responseSecond >= 0 && responseSecond < _responsesBySecond.Length)
            {
                _responsesBySecond[responseSecond]++;
            }

            if (!TrySecond(intended, out var second))
            {
                return;
            }

            _trace?.Add(new TracedOutcome(intended, sentAt, completedAt, statusCode, tag, null));
            if ((uint)statusCode < (uint)_statusCodes.Length)
            {
                _statusCodes[statusCode]++;
            }

            if (statusCode < 400)
            {
                _succeeded++;
                _perSecond[second].Succeeded++;
            }
            else
            {
                _httpErrors++;
                _perSecond[second].Failed++;
            }

            RecordLatency(second, completedAt - intended);
            _uncorrected.RecordValue(Clamp(ToMicroseconds(completedAt - sentAt)));
        }
    }

    /// <summary>
    /// A request ended without a response. Timed-out and unfinished requests go into the latency histogram with the
    /// time they had waited when abandoned (a lower bound, and honest: a hung target must not look fast);
    /// refused or broken connections do not. <paramref name="sentAt"/> is when it was sent, 0 when it never was
    /// (kept in the trace only).
    /// </summary>
    public void RecordFailure(long intended, long at, FailureKind kind, string? message = null, long sentAt = 0)
    {
        lock (_lock)
        {
            if (_sealed || !TrySecond(intended, out var second))
            {
                return;
            }

            _trace?.Add(new TracedOutcome(intended, sentAt, at, 0, 0, kind));
            _failures[(int)kind]++;
            _firstErrors[(int)kind] ??= message;
            _perSecond[second].Failed++;
            if (kind is FailureKind.Timeout or FailureKind.Unfinished)
            {
                RecordLatency(second, at - intended);
            }
        }
    }

    /// <summary>Counts the rest of the schedule, from <paramref name="fromIndex"/>, as scheduled but never sent.</summary>
    public void RecordUnsent(RateSchedule schedule, long fromIndex, string reason)
    {
        lock (_lock)
        {
            if (_sealed)
            {
                return;
            }

            for (var i = fromIndex; i < schedule.Count; i++)
            {
                if (!TrySecond(schedule.IntendedAt(i), out var second))
                {
                    continue;
                }

                _scheduled++;
                _perSecond[second].Scheduled++;
                _perSecond[second].Failed++;
                _failures[(int)FailureKind.Unsent]++;
                _firstErrors[(int)FailureKind.Unsent] ??= reason;
            }
        }
    }

    /// <summary>Stops recording and returns the result; later records are ignored.</summary>
    /// <param name="targetCpu">The target's CPU read before and after the window; null when not measured.</param>
    public RunResult Seal(int connectionsOpened, bool interrupted, (Platform.CpuReading Before, Platform.CpuReading After)? targetCpu = null)
    {
        lock (_lock)
        {
            _sealed = true;
            var seconds = new SecondStats[_seconds];
            for (var i = 0; i < _seconds; i++)
            {
                var counters = _perSecond[i];
                var histogram = _perSecondLatency[i];
                seconds[i] = new SecondStats
                {
                    Second = i,
                    Scheduled = counters.Scheduled,
                    Sent = counters.Sent,
                    Succeeded = counters.Succeeded,
                    Failed = counters.Failed,
                    Late = counters.Late,
                    Responses = _responsesBySecond[i],
                    P50Ms = histogram is null ? null : LatencySummary.At(histogram, 50),
                    P99Ms = histogram is null ? null : LatencySummary.At(histogram, 99),
                    MaxMs = histogram is null ? null : LatencySummary.At(histogram, 100),
                };
            }

            var failures = new Dictionary<FailureKind, long>();
            var firstErrors = new Dictionary<FailureKind, string>();
            for (var i = 0; i < FailureKinds; i++)
            {
                failures[(FailureKind)i] = _failures[i];
                if (_firstErrors[i] is { } message)
                {
                    firstErrors[(FailureKind)i] = message;
                }
            }

            var statusCodes = new SortedDictionary<int, long>();
            for (var code = 0; code < _statusCodes.Length; code++)
            {
                if (_statusCodes[code] > 0)
                {
                    statusCodes[code] = _statusCodes[code];
                }
            }

            return new RunResult
            {
                Profile = _profile,
                StartedAt = _startedAt,
                WindowStart = _windowStart,
                Latency = _latency,
                UncorrectedLatency = _uncorrected,
                SendLag = _sendLag,
                Scheduled = _scheduled,
                Sent = _sent,
                Succeeded = _succeeded,
                HttpErrors = _httpErrors,
                Failures = failures,
                FirstErrors = firstErrors,
                LateNoConnection = _lateNoConnection,
                LateScheduler = _lateScheduler,
                Reconnects = Interlocked.Read(ref _reconnects),
                ConnectionsOpened = connectionsOpened,
                SendWindow = _lastSend > _windowStart ? Stopwatch.GetElapsedTime(_windowStart, _lastSend) : TimeSpan.Zero,
                Interrupted = interrupted,
                StatusCodes = statusCodes,
                Seconds = seconds,
                Markers = [.. _markers],
                TargetCpu = targetCpu is var (before, after) ? Platform.TargetCpu.Between(before, after, _succeeded + _httpErrors) : null,
            };
        }
    }

    private void RecordLatency(int second, long ticks)
    {
        var microseconds = Clamp(ToMicroseconds(Math.Max(ticks, 0)));
        _latency.RecordValue(microseconds);
        var histogram = _perSecondLatency[second] ??= new IntHistogram(1, _highestMicroseconds, 2);
        histogram.RecordValue(microseconds);
    }

    private bool TrySecond(long intended, out int second)
    {
        if (intended < _windowStart || intended >= _windowEnd)
        {
            second = -1;
            return false;
        }

        second = (int)((intended - _windowStart) / Stopwatch.Frequency);
        return second < _seconds;
    }

    private long Clamp(long microseconds) => Math.Clamp(microseconds, 1, _highestMicroseconds);

    private static long ToMicroseconds(long ticks) => (long)(ticks * (1_000_000.0 / Stopwatch.Frequency));

    private static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private struct SecondCounters
    {
        public long Scheduled;
        public long Sent;
        public long Succeeded;
        public long Failed;
        public long Late;
    }
}

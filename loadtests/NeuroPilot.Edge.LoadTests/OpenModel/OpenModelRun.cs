using System.Diagnostics;
using NeuroPilot.Edge.LoadTests.OpenModel.Internal;

namespace NeuroPilot.Edge.LoadTests.OpenModel;

/// <summary>
/// The open-model engine: one scheduler thread walks the constant-rate schedule and issues every request at its
/// intended time, whatever the target is doing (no waiting for responses, unlike a closed loop); latency is measured
/// from that intended time, so a stalled target shows in the percentiles (coordinated omission corrected, as in wrk2).
/// <para>
/// The run is bounded: the scheduler stops issuing at warm-up + duration (or, if it ever fell that far behind,
/// at warm-up + duration + grace), waits at most the grace period for in-flight requests, then abandons the rest as
/// unfinished. A drill reuses it as is: start it, then <see cref="Mark"/> the moments faults are injected.
/// </para>
/// </summary>
internal sealed class OpenModelRun
{
    private static readonly long s_watchdogInterval = Stopwatch.Frequency / 100;

    private readonly LoadProfile _profile;
    private readonly ILoadTransport _transport;
    private readonly RunRecorder _recorder;
    private readonly Platform.TargetProcesses? _targetProcesses;
    private readonly TaskCompletionSource<RunResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _connectionsOpened;
    private CancellationToken _cancellationToken;
    private int _started;

    /// <param name="targetProcesses">
    /// The target's processes, whose CPU time is read just before the measured window (while the scheduler waits
    /// for its first send) and once its last response is in: <see cref="RunResult.TargetCpu"/>.
    /// </param>
    public OpenModelRun(LoadProfile profile, ILoadTransport transport, RunRecorder recorder, Platform.TargetProcesses? targetProcesses = null)
    {
        _profile = profile;
        _transport = transport;
        _recorder = recorder;
        _targetProcesses = targetProcesses;
    }

    public Task<RunResult> Completion => _completion.Task;

    /// <summary>Time since the start of the measured window (negative during warm-up would read as zero).</summary>
    public TimeSpan Elapsed => _recorder.ElapsedInWindow(Stopwatch.GetTimestamp());

    /// <summary>Starts the scheduler thread. Cancelling stops sending, waits briefly for in-flight requests and ends the run.</summary>
    public void Start(int connectionsOpened, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("the run has already started");
        }

        _connectionsOpened = connectionsOpened;
        _cancellationToken = cancellationToken;
        var thread = new Thread(SchedulerThread) { IsBackground = true, Name = "open-model scheduler" };
        thread.Start();
    }

    /// <summary>What the run has done so far (measured window only).</summary>
    public RunProgress Progress => _recorder.Progress(Stopwatch.GetTimestamp());

    /// <summary>Records a labelled instant (a fault injected, a peer restarted), drawn on the report's charts.</summary>
    public void Mark(string label) => _recorder.Mark(Stopwatch.GetTimestamp(), label);

    private void SchedulerThread()
    {
        try
        {
            _completion.SetResult(Schedule());
        }
#pragma warning disable CA1031 // The scheduler thread has no caller: any failure goes to the awaiting command.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _completion.SetException(e);
        }
    }

    private RunResult Schedule()
    {
        PreciseSleeper.PrepareCurrentThread();
        Platform.ThreadPriority.RaiseCurrentThread();
        var frequency = Stopwatch.Frequency;
        var now = Stopwatch.GetTimestamp();
        var start = now + frequency / 100;
        var windowStart = start + Ticks(_profile.Warmup);
        var schedule = RateSchedule.For(_profile, start, frequency);
        var lastIntended = schedule.Count == 0 ? start : schedule.IntendedAt(schedule.Count - 1);
        var hardStop = lastIntended + Ticks(_profile.Grace);
        _recorder.Begin(windowStart, DateTimeOffset.UtcNow + Stopwatch.GetElapsedTime(now, windowStart));

        long next = 0;
        var watchdogAt = start;
        var interrupted = false;
        Platform.CpuReading? cpuBefore = null;
        while (next < schedule.Count)
        {
            now = Stopwatch.GetTimestamp();
            if (_cancellationToken.IsCancellationRequested || now >= hardStop)
            {
                interrupted = _cancellationToken.IsCancellationRequested;
                break;
            }

            var due = schedule.DueBy(now);
            for (; next < due; next++)
            {
                var intended = schedule.IntendedAt(next);
                _recorder.RecordScheduled(intended, 1);
                _transport.Issue(intended);
            }

            if (now >= watchdogAt)
            {
                _transport.CheckTimeouts(now);
                watchdogAt = now + s_watchdogInterval;
            }

            if (cpuBefore is null && _targetProcesses is not null && (next >= schedule.Count || schedule.IntendedAt(next) >= windowStart))
            {
                // Idle until the window's first send: read now, so the read delays no request.
                cpuBefore = _targetProcesses.Read();
            }

            if (next < schedule.Count)
            {
                PreciseSleeper.SleepUntil(Math.Min(schedule.IntendedAt(next), watchdogAt));
            }
        }

        if (next < schedule.Count)
        {
            _recorder.RecordUnsent(schedule, next, interrupted ? "the run was interrupted" : "the scheduler fell behind by more than the grace period");
        }

        // Grace: in-flight requests may finish; timeouts still apply.
        now = Stopwatch.GetTimestamp();
        var graceEnd = interrupted ? now + Math.Min(Ticks(_profile.Grace), frequency) : Math.Max(hardStop, now);
        while (_transport.Outstanding > 0 && now < graceEnd)
        {
            _transport.CheckTimeouts(now);
            PreciseSleeper.SleepUntil(Math.Min(now + frequency / 500, graceEnd));
            now = Stopwatch.GetTimestamp();
        }

        _transport.AbortAll(now);

        // Abandoned requests record themselves as their sockets close; that takes microseconds, bounded here anyway.
        var settleEnd = now + frequency;
        while (_transport.Busy > 0 && now < settleEnd)
        {
            PreciseSleeper.SleepUntil(now + frequency / 1000);
            now = Stopwatch.GetTimestamp();
        }

        // After the last response of the window (or its timeout): the other end of the target's CPU window.
        (Platform.CpuReading, Platform.CpuReading)? cpuWindow = _targetProcesses is null
            ? null
            : (cpuBefore ?? Platform.CpuReading.Unavailable("the run ended before its measured window"), _targetProcesses.Read());
        return _recorder.Seal(_connectionsOpened, interrupted, cpuWindow);
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}

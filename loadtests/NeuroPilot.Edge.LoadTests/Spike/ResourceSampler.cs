using System.Diagnostics;
using NeuroPilot.Edge.LoadTests.Platform;

namespace NeuroPilot.Edge.LoadTests.Spike;

/// <summary>
/// Reads the edge's <c>/proc/PID/status</c> (VmRSS, VmHWM) and <c>/proc/PID/stat</c> (CPU time) every 100 ms on a
/// thread of its own, so a thread pool busy with the load cannot skip samples. Stops when its token is cancelled
/// or the process is gone.
/// </summary>
internal sealed class ResourceSampler
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly List<ResourceSample> _samples = [];

    /// <summary>The samples so far, oldest first.</summary>
    public IReadOnlyList<ResourceSample> Samples
    {
        get
        {
            lock (_samples)
            {
                return [.. _samples];
            }
        }
    }

    /// <summary>Samples <paramref name="processId"/> until <paramref name="cancellationToken"/> is cancelled; the task ends with the thread.</summary>
    public Task RunAsync(int processId, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                do
                {
                    if (ProcessStats.TryRead(processId) is not { } stats)
                    {
                        break;
                    }

                    lock (_samples)
                    {
                        _samples.Add(new ResourceSample(Stopwatch.GetTimestamp(), stats.RssBytes, stats.HighWaterBytes, stats.CpuSeconds));
                    }
                }
                while (!cancellationToken.WaitHandle.WaitOne(Interval));
            }
            finally
            {
                done.SetResult();
            }
        })
        {
            IsBackground = true,
            Name = "edge resource sampler",
        };
        thread.Start();
        return done.Task;
    }
}

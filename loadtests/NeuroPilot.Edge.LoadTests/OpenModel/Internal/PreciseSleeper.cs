using System.Diagnostics;
using NeuroPilot.Edge.LoadTests.Platform;

namespace NeuroPilot.Edge.LoadTests.OpenModel.Internal;

/// <summary>
/// Sleeps the scheduler thread until a timestamp with tens of microseconds of precision, without spinning.
/// On Linux: <c>clock_nanosleep</c> on the monotonic clock, with the thread's timer slack lowered from the default
/// 50 µs to 1 µs. Elsewhere: <see cref="Thread.Sleep(int)"/> for the bulk and a yield loop for the last 2 ms.
/// <see cref="Thread.Sleep(int)"/> and timers alone would round every wait up to a whole millisecond, which at
/// 10,000 req/s would send in bursts of ten and add up to 1 ms of harness-made latency.
/// </summary>
internal static class PreciseSleeper
{
    private static readonly bool s_linux = OperatingSystem.IsLinux();
    private static readonly double s_nanosecondsPerTick = 1e9 / Stopwatch.Frequency;

    /// <summary>Tunes the calling thread for short sleeps (call once on the scheduler thread): timer slack 1 µs.</summary>
    public static void PrepareCurrentThread()
    {
        if (s_linux)
        {
            try
            {
                _ = LinuxNative.Prctl(LinuxNative.PrSetTimerSlack, 1000, 0, 0, 0);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // Default slack then: sends may be up to 50 µs late, which is still far below the late threshold.
            }
        }
    }

    /// <summary>Sleeps until <paramref name="timestamp"/> (a <see cref="Stopwatch"/> timestamp) or a bit before.</summary>
    public static void SleepUntil(long timestamp)
    {
        var ticks = timestamp - Stopwatch.GetTimestamp();
        if (ticks <= 0)
        {
            return;
        }

        if (s_linux)
        {
            var nanoseconds = (long)(ticks * s_nanosecondsPerTick);
            var request = new LinuxNative.Timespec
            {
                Seconds = nanoseconds / 1_000_000_000,
                Nanoseconds = nanoseconds % 1_000_000_000,
            };

            // An early return (EINTR) is harmless: the scheduler loop looks at the clock again.
            _ = LinuxNative.ClockNanosleep(LinuxNative.ClockMonotonic, 0, request, IntPtr.Zero);
            return;
        }

        var milliseconds = ticks * 1000 / Stopwatch.Frequency;
        if (milliseconds > 2)
        {
            Thread.Sleep((int)Math.Min(milliseconds - 2, 50));
        }
        else
        {
            Thread.Yield();
        }
    }
}

using System.Runtime.InteropServices;
using Perfolizer.Horology;

namespace NeuroPilot.Edge.Benchmarks.Infrastructure;

/// <summary>
/// A BenchmarkDotNet clock that counts the CPU time of the benchmark process (Linux
/// <c>clock_gettime(CLOCK_PROCESS_CPUTIME_ID)</c>, nanoseconds, all its threads) instead of wall time. On a machine
/// shared with other busy processes, wall time mostly measures how much CPU the scheduler gave the benchmark; CPU
/// time measures what the code costs. Time a thread spends blocked (a contended lock that parks) is not counted.
/// Public with a public constructor: BenchmarkDotNet recreates the clock in the generated host process with
/// <c>Activator.CreateInstance</c>.
/// </summary>
public sealed partial class ProcessCpuClock : IClock
{
    private const int ClockProcessCpuTimeId = 2;

    public static readonly ProcessCpuClock Instance = new();

    public string Title => "ProcessCpuTime";

    public bool IsAvailable => OperatingSystem.IsLinux();

    public Frequency Frequency => Frequency.GHz;

    public long GetTimestamp()
    {
        if (ClockGetTime(ClockProcessCpuTimeId, out var time) != 0)
        {
            throw new InvalidOperationException($"clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return (time.Seconds * 1_000_000_000L) + time.Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static partial int ClockGetTime(int clockId, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}

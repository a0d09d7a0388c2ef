using System.Runtime.InteropServices;

namespace NeuroPilot.Edge.LoadTests.Platform;

/// <summary>The few libc calls the harness makes on Linux: precise sleeps and signals to peer processes.</summary>
internal static partial class LinuxNative
{
    public const int ClockMonotonic = 1;
    public const int PrSetTimerSlack = 29;
    public const int SigTerm = 15;
    public const int SigStop = 19;
    public const int SigCont = 18;
    public const int PrioProcess = 0;

    [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
    public static partial int ClockNanosleep(int clockId, int flags, in Timespec request, IntPtr remain);

    [LibraryImport("libc", EntryPoint = "prctl")]
    public static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "gettid")]
    public static partial int GetTid();

    /// <summary><c>sysconf(_SC_CLK_TCK)</c>: the unit of the CPU times in <c>/proc/PID/stat</c>.</summary>
    public const int ScClkTck = 2;

    [LibraryImport("libc", EntryPoint = "sysconf")]
    public static partial long Sysconf(int name);

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    public static partial int SetPriority(int which, int who, int priority);

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}

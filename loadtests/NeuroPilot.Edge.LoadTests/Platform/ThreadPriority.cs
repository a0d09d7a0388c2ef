namespace NeuroPilot.Edge.LoadTests.Platform;

/// <summary>
/// Raises the priority (nice -10) of the threads that time requests: the scheduler and the runtime's socket event
/// threads, which run our response handling inline. On a busy machine this keeps the harness's own delays out of
/// the measured latency. Needs root or CAP_SYS_NICE; without it nothing changes (and nothing fails).
/// </summary>
internal static class ThreadPriority
{
    private const int Nice = -10;

    public static void RaiseCurrentThread()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            _ = LinuxNative.SetPriority(LinuxNative.PrioProcess, LinuxNative.GetTid(), Nice);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: keep the default priority.
        }
    }

    /// <summary>Raises the runtime's socket event threads (named ".NET Sockets"); call once sockets are in use.</summary>
    public static void RaiseSocketEventThreads()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).Trim() == ".NET Sockets" &&
                    int.TryParse(Path.GetFileName(task), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var tid))
                {
                    _ = LinuxNative.SetPriority(LinuxNative.PrioProcess, tid, Nice);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
        {
            // Best effort.
        }
    }
}

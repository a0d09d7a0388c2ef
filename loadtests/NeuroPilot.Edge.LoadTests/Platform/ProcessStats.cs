using System.Globalization;

namespace NeuroPilot.Edge.LoadTests.Platform;

/// <summary>
/// What Linux says about a process in <c>/proc/PID/status</c> (resident memory now and its high-water mark) and
/// <c>/proc/PID/stat</c> (user + kernel CPU time, in clock ticks of 1/USER_HZ s). Parsing is separate from reading
/// so it can be tested on text. <see cref="ListeningProcessFinder"/> finds the processes to read.
/// </summary>
internal static class ProcessStats
{
    private static readonly Lazy<double> s_clockTicksPerSecond = new(ReadClockTicksPerSecond);

    /// <summary>The unit of <c>/proc/PID/stat</c> CPU times (USER_HZ, 100 on Linux).</summary>
    public static double ClockTicksPerSecond => s_clockTicksPerSecond.Value;

    /// <summary>Reads <c>/proc/PID/status</c> and <c>/proc/PID/stat</c> once; null when the process is gone or this is not Linux.</summary>
    public static ProcessStatsSample? TryRead(int processId)
    {
        try
        {
            var status = File.ReadAllText($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/status");
            var stat = File.ReadAllText($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/stat");
            if (ParseStatusKiB(status, "VmRSS:") is not { } rss || ParseCpuTicks(stat) is not { } ticks)
            {
                return null;
            }

            var hwm = ParseStatusKiB(status, "VmHWM:") ?? rss;
            return new ProcessStatsSample(rss * 1024, hwm * 1024, ticks / ClockTicksPerSecond);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// User + kernel CPU time of the process in seconds, from <c>/proc/PID/stat</c> alone (cheaper than
    /// <see cref="TryRead"/>: a CPU window reads it twice per process); null when the process is gone or unreadable.
    /// </summary>
    public static double? TryReadCpuSeconds(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/stat");
            return ParseCpuTicks(stat) is { } ticks ? ticks / ClockTicksPerSecond : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The command name of the process (<c>/proc/PID/comm</c>: <c>nginx</c>, <c>neuropilot-edge</c>); null when gone.</summary>
    public static string? TryReadName(int processId)
    {
        try
        {
            return File.ReadAllText($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/comm").Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The value in KiB of a <c>/proc/PID/status</c> line such as <c>VmRSS:    31240 kB</c>; null when absent.</summary>
    public static long? ParseStatusKiB(string status, string field)
    {
        foreach (var line in status.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith(field, StringComparison.Ordinal))
            {
                continue;
            }

            var value = line[field.Length..].Trim();
            if (value.EndsWith("kB", StringComparison.Ordinal))
            {
                value = value[..^2].TrimEnd();
            }

            return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var kib) ? kib : null;
        }

        return null;
    }

    /// <summary>
    /// utime + stime (fields 14 and 15) of a <c>/proc/PID/stat</c> line, in clock ticks. The command name (field 2,
    /// in parentheses) may hold spaces and parentheses, so fields are counted from the last <c>)</c>.
    /// </summary>
    public static long? ParseCpuTicks(string stat)
    {
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        // After ")": field 3 (state) is index 0, so utime (14) is index 11 and stime (15) index 12.
        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 13 ||
            !long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out var user) ||
            !long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out var kernel))
        {
            return null;
        }

        return user + kernel;
    }

    private static double ReadClockTicksPerSecond()
    {
        try
        {
            var ticks = LinuxNative.Sysconf(LinuxNative.ScClkTck);
            return ticks > 0 ? ticks : 100;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return 100;
        }
    }
}

namespace NeuroPilot.Edge.LoadTests.Platform;

/// <summary>The machine's load average (<c>/proc/loadavg</c>): on a shared machine, figures mean little without it.</summary>
internal static class MachineLoad
{
    /// <summary>The 1, 5 and 15 minute load averages, like <c>1.52 2.10 3.40</c>; null when unreadable (not Linux).</summary>
    public static string? LoadAverage()
    {
        try
        {
            var fields = File.ReadAllText("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length >= 3 ? string.Join(' ', fields[..3]) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

using System.Globalization;

namespace NeuroPilot.Edge.LoadTests.Platform;

/// <summary>
/// The processes whose CPU time is a target's cost (all of them summed: an nginx master and its workers), how they
/// were found, or why there are none (<see cref="UnavailableReason"/>: the CPU figures then read n/a).
/// </summary>
internal sealed class TargetProcesses
{
    private TargetProcesses(IReadOnlyList<int> processIds, string source, string? unavailableReason)
    {
        ProcessIds = processIds;
        Source = source;
        UnavailableReason = unavailableReason;
    }

    public IReadOnlyList<int> ProcessIds { get; }

    /// <summary>How the processes were found: <c>listening on 127.0.0.1:8080</c>, <c>--pid</c>.</summary>
    public string Source { get; }

    /// <summary>Why no CPU figure can be given for the target; null when <see cref="ProcessIds"/> is not empty.</summary>
    public string? UnavailableReason { get; }

    public static TargetProcesses Of(IReadOnlyList<int> processIds, string source)
    {
        ArgumentOutOfRangeException.ThrowIfZero(processIds.Count);
        return new([.. processIds], source, null);
    }

    public static TargetProcesses Unavailable(string reason) => new([], "", reason);

    /// <summary>
    /// The CPU time (user + kernel) of all the processes now, in seconds; or the reason it cannot be read (a process
    /// exited: its time would be lost from the sum, so the window's figure would be wrong).
    /// </summary>
    public CpuReading Read()
    {
        if (UnavailableReason is { } reason)
        {
            return CpuReading.Unavailable(reason);
        }

        var seconds = 0.0;
        foreach (var pid in ProcessIds)
        {
            if (ProcessStats.TryReadCpuSeconds(pid) is not { } cpu)
            {
                return CpuReading.Unavailable($"process {pid.ToString(CultureInfo.InvariantCulture)} exited or is unreadable");
            }

            seconds += cpu;
        }

        return CpuReading.Of(seconds);
    }

    /// <summary>For people: <c>pids 1201 1202 1203 (nginx, listening on 127.0.0.1:8081)</c>, or the reason there are none.</summary>
    public string Describe()
    {
        if (UnavailableReason is { } reason)
        {
            return $"n/a: {reason}";
        }

        var names = ProcessIds.Select(ProcessStats.TryReadName).Where(n => n is not null).Distinct().ToList();
        var pids = string.Join(" ", ProcessIds.Select(p => p.ToString(CultureInfo.InvariantCulture)));
        var self = ProcessIds.Contains(Environment.ProcessId) ? "; this process: the figures include the load generator" : "";
        return $"{(ProcessIds.Count == 1 ? "pid" : "pids")} {pids} ({string.Join(", ", names)}{(names.Count > 0 ? ", " : "")}{Source}{self})";
    }
}

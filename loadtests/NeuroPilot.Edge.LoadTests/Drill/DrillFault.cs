namespace NeuroPilot.Edge.LoadTests.Drill;

/// <summary>What a drill does to the primary region's upstream, and how it recovers it.</summary>
internal enum DrillFault
{
    /// <summary>SIGKILL (connections refused); recovery restarts it on the same port.</summary>
    Kill,

    /// <summary>SIGSTOP (accepts connections, never answers: hung); recovery sends SIGCONT.</summary>
    Stop,

    /// <summary><c>POST /_upstream/fault?mode=503</c> (answers 503); recovery sets <c>mode=none</c>.</summary>
    Http503,
}

internal static class DrillFaults
{
    public static string Name(this DrillFault fault) => fault switch
    {
        DrillFault.Kill => "kill",
        DrillFault.Stop => "stop",
        _ => "503",
    };

    /// <exception cref="FormatException">Not kill, stop or 503.</exception>
    public static DrillFault Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "kill" => DrillFault.Kill,
        "stop" => DrillFault.Stop,
        "503" => DrillFault.Http503,
        _ => throw new FormatException("is not a fault (kill, stop or 503)"),
    };
}

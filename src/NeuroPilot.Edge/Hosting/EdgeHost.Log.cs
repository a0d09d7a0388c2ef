namespace NeuroPilot.Edge.Hosting;

public static partial class EdgeHost
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "NeuroPilot.Edge {Version} listening on {Listen}, admin on {Admin} (config {Config}, {ServiceCount} services)")]
    private static partial void LogStarted(ILogger logger, string version, string listen, string admin, string config, int serviceCount);

    [LoggerMessage(EventId = 2, Level = LogLevel.Critical, Message = "Cannot start: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Stopped: in-flight requests drained")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "{Warning}")]
    private static partial void LogStartupWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Stopped with an error: {Type}: {Reason}")]
    private static partial void LogStopFailed(ILogger logger, string type, string reason);
}

namespace NeuroPilot.Edge.Routing;

public sealed partial class EdgeRuntime
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Config applied ({Trigger}): {ServiceCount} services")]
    private partial void LogReloadApplied(string trigger, int serviceCount);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Config rejected ({Trigger}): {ErrorCount} problems; the running config keeps serving")]
    private partial void LogReloadRejected(string trigger, int errorCount);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Config problem: {Problem}")]
    private partial void LogConfigError(string problem);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "Config file {Path} cannot be read: {Reason}; the running config keeps serving")]
    private partial void LogReloadUnreadable(string path, string reason);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Config changes to {Keys} take effect only after a restart")]
    private partial void LogRestartNeeded(string keys);
}

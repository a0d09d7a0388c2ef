namespace NeuroPilot.Edge.Hosting;

public sealed partial class ConfigWatcher
{
    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Config file watch error: {Reason}; SIGHUP still reloads")]
    private partial void LogWatchError(string reason);

    [LoggerMessage(EventId = 111, Level = LogLevel.Error, Message = "Config reload ({Trigger}) failed unexpectedly; the running config keeps serving")]
    private partial void LogReloadFailed(string trigger, Exception exception);
}

namespace NeuroPilot.Edge.Hosting;

public sealed partial class ConfigWatcher
{
    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Config file watch error: {Reason}; SIGHUP still reloads")]
    private partial void LogWatchError(string reason);
}

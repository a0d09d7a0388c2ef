namespace NeuroPilot.Edge.Routing;

public sealed partial class ConfigReloader
{
    [LoggerMessage(EventId = 111, Level = LogLevel.Error, Message = "Config reload ({Trigger}) failed unexpectedly; the running config keeps serving")]
    private partial void LogReloadFailed(string trigger, Exception exception);
}

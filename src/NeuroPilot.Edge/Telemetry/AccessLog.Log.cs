namespace NeuroPilot.Edge.Telemetry;

public sealed partial class AccessLog
{
    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "Access log reopened: {Path}")]
    private partial void LogReopened(string path);

    [LoggerMessage(EventId = 701, Level = LogLevel.Error, Message = "Access log {Path} cannot be reopened: {Reason}; lines keep going to the file already open")]
    private partial void LogReopenFailed(string path, string reason);
}

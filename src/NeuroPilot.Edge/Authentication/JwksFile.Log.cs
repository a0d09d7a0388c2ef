namespace NeuroPilot.Edge.Authentication;

public sealed partial class JwksFile
{
    [LoggerMessage(EventId = 800, Level = LogLevel.Information, Message = "JWT keys {Path} loaded ({Trigger}): {Keys}")]
    private partial void LogKeysLoaded(string path, string trigger, string keys);

    [LoggerMessage(EventId = 801, Level = LogLevel.Error, Message = "JWT keys {Path} rejected ({Trigger}): the file {Problem}; the {KeyCount} keys in use stay")]
    private partial void LogKeysRejected(string path, string trigger, string problem, int keyCount);

    [LoggerMessage(EventId = 802, Level = LogLevel.Warning, Message = "JWT keys {Path}: {Key} skipped")]
    private partial void LogKeySkipped(string path, string key);

    [LoggerMessage(EventId = 803, Level = LogLevel.Warning, Message = "JWT keys {Path} cannot be watched ({Reason}); it is re-read every poll interval and on config reload")]
    private partial void LogWatchFailed(string path, string reason);

    [LoggerMessage(EventId = 804, Level = LogLevel.Error, Message = "JWT keys {Path}: refresh failed ({Reason}); the keys in use stay")]
    private partial void LogRefreshFailed(string path, string reason);
}

namespace NeuroPilot.Edge.Tls.Internal;

/// <summary>The log lines of <see cref="ReloadableFile{T}"/> (a generic type cannot hold them itself).</summary>
internal static partial class ReloadableFileLog
{
    [LoggerMessage(EventId = 900, Level = LogLevel.Information, Message = "Reloaded {What} from {Files}: {Description}")]
    public static partial void Reloaded(ILogger logger, string what, string files, string description);

    [LoggerMessage(EventId = 901, Level = LogLevel.Error, Message = "Rejected new {What}: {Path}: {Reason}; {Outcome}")]
    public static partial void Rejected(ILogger logger, string what, string path, string reason, string outcome);

    [LoggerMessage(EventId = 903, Level = LogLevel.Information, Message = "Loaded {What} from {Files}: {Description}")]
    public static partial void Loaded(ILogger logger, string what, string files, string description);

    [LoggerMessage(EventId = 902, Level = LogLevel.Warning, Message = "Cannot watch the folder {Folder} of {What} ({Reason}): changes are found by the periodic check only")]
    public static partial void WatchError(ILogger logger, string what, string folder, string reason);
}

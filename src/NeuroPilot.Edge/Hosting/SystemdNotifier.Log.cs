namespace NeuroPilot.Edge.Hosting;

public sealed partial class SystemdNotifier
{
    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "Service manager notifications to {Socket} (watchdog {Watchdog})")]
    private partial void LogEnabled(string socket, string watchdog);

    [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "NOTIFY_SOCKET \"{Socket}\" is not supported (an absolute path or @abstract name is): service manager notifications are off")]
    private partial void LogUnsupportedSocket(string socket);

    [LoggerMessage(EventId = 122, Level = LogLevel.Warning, Message = "Cannot notify the service manager at {Socket}: {Reason} (logged once)")]
    private partial void LogSendFailed(string socket, string reason);
}

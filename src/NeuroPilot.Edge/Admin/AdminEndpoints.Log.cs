namespace NeuroPilot.Edge.Admin;

public sealed partial class AdminEndpoints
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Region {Service}/{Region} {Action} by the admin API")]
    private partial void LogDrain(string action, string service, string region);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "DNS round forced by the admin API: the change cap is lifted for it")]
    private partial void LogDnsForced();
}

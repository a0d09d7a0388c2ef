namespace NeuroPilot.Edge.Fleet;

public sealed partial class EtcdFleetDrains
{
    [LoggerMessage(EventId = 620, Level = LogLevel.Information, Message = "Fleet drain: {Service}/{Region} {Action} for the whole fleet by {By} through {EdgeId} (recorded in etcd)")]
    private static partial void LogWritten(ILogger logger, string action, string service, string region, string by, string edgeId);

    [LoggerMessage(EventId = 621, Level = LogLevel.Warning, Message = "Fleet drain: {Action} of {Service}/{Region} asked by {By} not recorded: {Reason}; nothing changed")]
    private static partial void LogWriteFailed(ILogger logger, string action, string service, string region, string by, string reason);
}

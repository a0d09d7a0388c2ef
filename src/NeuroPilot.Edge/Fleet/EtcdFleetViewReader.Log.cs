namespace NeuroPilot.Edge.Fleet;

public sealed partial class EtcdFleetViewReader
{
    [LoggerMessage(EventId = 610, Level = LogLevel.Warning, Message = "Fleet view: etcd cannot be read ({Error}); keeping the last view read ({Members} members)")]
    private static partial void LogUnreachable(ILogger logger, string error, int members);

    [LoggerMessage(EventId = 611, Level = LogLevel.Information, Message = "Fleet view: etcd read again; {Members} members")]
    private static partial void LogReachable(ILogger logger, int members);

    [LoggerMessage(EventId = 612, Level = LogLevel.Debug, Message = "Fleet view: the view of {EdgeId} for {Service} is not readable JSON ({Error}); skipped")]
    private static partial void LogUnreadableView(ILogger logger, string edgeId, string service, string error);
}

namespace NeuroPilot.Edge.Fleet;

public sealed partial class FleetLeadership
{
    [LoggerMessage(EventId = 630, Level = LogLevel.Information, Message = "Fleet leader: {EdgeId} (this edge) leads; it writes the fleet's DNS")]
    private static partial void LogLeading(ILogger logger, string edgeId);

    [LoggerMessage(EventId = 631, Level = LogLevel.Information, Message = "Fleet leader: {EdgeId} follows {Leader}; this edge does not write DNS")]
    private static partial void LogFollowing(ILogger logger, string edgeId, string leader);

    [LoggerMessage(EventId = 632, Level = LogLevel.Warning, Message = "Fleet leader: {EdgeId} cannot reach etcd ({Error}); no leader can be proven, so this edge does not write DNS")]
    private static partial void LogUnreachable(ILogger logger, string edgeId, string error);

    [LoggerMessage(EventId = 633, Level = LogLevel.Information, Message = "Fleet leader: {EdgeId} resigned on stop; another edge leads on its next check")]
    private static partial void LogResigned(ILogger logger, string edgeId);

    [LoggerMessage(EventId = 634, Level = LogLevel.Warning, Message = "Fleet leader: {EdgeId} could not resign on stop ({Error}); another edge leads once this edge's lease runs out")]
    private static partial void LogResignFailed(ILogger logger, string edgeId, string error);
}

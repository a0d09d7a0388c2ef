namespace NeuroPilot.Edge.Fleet;

public sealed partial class EtcdFleetMember
{
    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "Fleet member {EdgeId}: lease {LeaseId:x} granted by etcd (TTL {Ttl} s); publishing this edge's views")]
    private static partial void LogLeaseGranted(ILogger logger, string edgeId, long leaseId, long ttl);

    [LoggerMessage(EventId = 601, Level = LogLevel.Warning, Message = "Fleet member {EdgeId}: etcd unreachable ({Error}); proxying goes on with the local view; retrying every {MaxBackoff} s at most")]
    private static partial void LogUnreachable(ILogger logger, string edgeId, string error, double maxBackoff);

    [LoggerMessage(EventId = 602, Level = LogLevel.Information, Message = "Fleet member {EdgeId}: etcd reachable again; {Views} service views published")]
    private static partial void LogReachable(ILogger logger, string edgeId, int views);

    [LoggerMessage(EventId = 603, Level = LogLevel.Warning, Message = "Fleet member {EdgeId}: lease {LeaseId:x} had expired (etcd out of reach longer than the TTL); granting a new one and publishing again")]
    private static partial void LogLeaseExpired(ILogger logger, string edgeId, long leaseId);

    [LoggerMessage(EventId = 604, Level = LogLevel.Warning, Message = "Fleet member: revoking the lease on stop failed ({Error}); its views vanish when the TTL runs out")]
    private static partial void LogRevokeFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 605, Level = LogLevel.Information, Message = "Fleet member {EdgeId}: service {Service} is no longer configured; its view is deleted from etcd")]
    private static partial void LogViewRemoved(ILogger logger, string edgeId, string service);
}

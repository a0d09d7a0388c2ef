namespace NeuroPilot.Edge.Dns;

public sealed partial class DnsReconciler
{
    // Event ids 500-510 (rounds, never-empty, conflicts, loop faults) are logged by DnsStatusProjection under this
    // type's category.

    [LoggerMessage(EventId = 511, Level = LogLevel.Warning, Message = "DNS pusher stopped without waiting for a provider call that ignores cancellation")]
    private partial void LogStopAbandoned();

    [LoggerMessage(EventId = 512, Level = LogLevel.Warning, Message = "DNS pusher: {Type} while stopping or replacing the provider, ignored: {Error}")]
    private partial void LogStopTrouble(string type, string error);
}

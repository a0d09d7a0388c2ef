namespace NeuroPilot.Edge.Dns;

public sealed partial class DnsStatusProjection
{
    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "DNS push to {Provider}: {Plan} (served after {Served})")]
    private partial void LogPushed(string provider, string plan, string served);

    [LoggerMessage(EventId = 501, Level = LogLevel.Information, Message = "DNS dry run against {Provider}, nothing changed: {Plan}")]
    private partial void LogDryRun(string provider, string plan);

    [LoggerMessage(EventId = 502, Level = LogLevel.Warning, Message = "DNS plan for {Provider} refused: {Reason}. Plan: {Plan}")]
    private partial void LogChangeCap(string provider, string reason, string plan);

    [LoggerMessage(EventId = 503, Level = LogLevel.Warning, Message = "DNS provider {Provider} failed ({Result}): {Error}; retry after {RetryAfterSeconds} s at the earliest, the proxy carries on")]
    private partial void LogProviderFailed(string provider, string result, string error, double retryAfterSeconds);

    [LoggerMessage(EventId = 504, Level = LogLevel.Information, Message = "DNS provider {Provider} reachable again (last error was: {Error})")]
    private partial void LogRecovered(string provider, string error);

    [LoggerMessage(EventId = 505, Level = LogLevel.Error, Message = "DNS never-empty rule: every region of {Records} is down from here; the published answer is kept (check this edge's own network before the regions)")]
    private partial void LogNeverEmpty(string records);

    [LoggerMessage(EventId = 506, Level = LogLevel.Information, Message = "DNS never-empty rule released: every record has a usable region again")]
    private partial void LogNeverEmptyCleared();

    [LoggerMessage(EventId = 507, Level = LogLevel.Warning, Message = "DNS: {Count} record(s) left alone, their names are not ours: {Conflicts}")]
    private partial void LogConflicts(int count, string conflicts);

    // 508 was "DNS round failed unexpectedly" (with a stack trace every second): such a round is now a failed round
    // (503), and a fault of the loop itself is 509.

    [LoggerMessage(EventId = 509, Level = LogLevel.Error, Message = "DNS loop faulted ({Faults} in a row): {Error}; restarting it in {DelaySeconds:0.#} s, the proxy carries on")]
    private partial void LogLoopFaulted(int faults, string error, double delaySeconds);

    /// <summary>The stack trace of an unexpected exception, for a developer: Debug only, once per distinct error.</summary>
    [LoggerMessage(EventId = 510, Level = LogLevel.Debug, Message = "DNS: details of the unexpected exception")]
    private partial void LogExceptionDetail(Exception exception);

    [LoggerMessage(EventId = 513, Level = LogLevel.Information, Message = "DNS: following fleet leader {Leader}; this edge makes no provider call")]
    private partial void LogFollowing(string leader);

    [LoggerMessage(EventId = 514, Level = LogLevel.Warning, Message = "DNS paused: {Reason} ({Detail}); no edge can prove it leads, so DNS keeps what it holds; proxying goes on")]
    private partial void LogPaused(string reason, string detail);

    [LoggerMessage(EventId = 515, Level = LogLevel.Information, Message = "DNS: this edge leads the fleet and writes DNS (was {Before})")]
    private partial void LogLeading(string before);

    [LoggerMessage(EventId = 516, Level = LogLevel.Warning, Message = "DNS quorum: {Service}/{Region} {Decision}: {Unusable} of {Voters} edges see it unusable (quorum {Required})")]
    private partial void LogQuorumMoved(string service, string region, string decision, int unusable, int voters, int required);
}

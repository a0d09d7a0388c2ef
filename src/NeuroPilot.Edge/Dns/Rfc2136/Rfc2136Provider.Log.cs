namespace NeuroPilot.Edge.Dns.Rfc2136;

public sealed partial class Rfc2136Provider
{
    [LoggerMessage(EventId = 5200, Level = LogLevel.Information, Message = "RFC 2136: applied {Changes} changes to zone {Zone} in {Requests} messages; UPDATE answered after {AnsweredAfterMs} ms, served after {ServedAfterMs} ms")]
    private partial void LogApplied(int changes, string zone, int requests, double answeredAfterMs, double servedAfterMs);

    [LoggerMessage(EventId = 5201, Level = LogLevel.Warning, Message = "RFC 2136: UPDATE attempt {Attempt} of {MaxAttempts} failed, retrying in {DelayMs} ms: {Reason}")]
    private partial void LogRetry(int attempt, int maxAttempts, int delayMs, string reason);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Warning, Message = "RFC 2136: UPDATE of {Changes} changes to zone {Zone} failed ({Kind}, {Code}) after {Requests} messages: {Reason}")]
    private partial void LogFailed(int changes, string zone, DnsProviderError kind, string code, int requests, string reason);

    [LoggerMessage(EventId = 5203, Level = LogLevel.Warning, Message = "RFC 2136: applied {Changes} changes to zone {Zone} in {Requests} messages (UPDATE answered after {AnsweredAfterMs} ms) but {Pending} were not served within {BoundMs} ms: {PendingChanges}")]
    private partial void LogNotServed(int changes, string zone, int requests, double answeredAfterMs, int pending, int boundMs, string pendingChanges);

    [LoggerMessage(EventId = 5204, Level = LogLevel.Information, Message = "RFC 2136: {Changes} changes to zone {Zone} were applied by an attempt whose answer was lost (the retry's prerequisites failed, the server serves the plan); {Requests} messages")]
    private partial void LogAppliedByLostAttempt(int changes, string zone, int requests);

    [LoggerMessage(EventId = 5205, Level = LogLevel.Debug, Message = "RFC 2136: a query checking the served answer failed: {Reason}")]
    private partial void LogServedCheckFailed(string reason);
}

namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

internal sealed partial class CloudflareTransport
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Debug, Message = "Cloudflare {Method} {Path} -> HTTP {Status} in {ElapsedMs} ms")]
    private partial void LogRequest(string method, string path, int status, long elapsedMs);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "Cloudflare {Call} attempt {Attempt} of {MaxAttempts} failed, retrying in {DelayMs} ms: {Reason}")]
    private partial void LogRetrying(string call, int attempt, int maxAttempts, long delayMs, string reason);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Warning, Message = "Cloudflare {Call} failed ({Kind}, code {Code}) after {Attempts} attempts: {Reason}")]
    private partial void LogCallFailed(string call, string kind, string code, int attempts, string reason);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Warning, Message = "Cloudflare rate limited this token (HTTP 429, code {Code}): no request for {Seconds} s")]
    private partial void LogRateLimited(string seconds, string code);

    [LoggerMessage(EventId = 5106, Level = LogLevel.Debug, Message = "Cloudflare {Call} not sent: held back by a 429 for {Seconds} s more")]
    private partial void LogHeldBack(string call, string seconds);

    [LoggerMessage(EventId = 5107, Level = LogLevel.Warning, Message = "Cloudflare client-side budget spent ({Limit} requests per 5 minutes): no request for {Seconds} s")]
    private partial void LogBudgetSpent(int limit, string seconds);
}

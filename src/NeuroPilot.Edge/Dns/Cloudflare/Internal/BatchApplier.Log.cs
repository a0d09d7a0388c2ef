namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

internal sealed partial class BatchApplier
{
    [LoggerMessage(EventId = 5108, Level = LogLevel.Warning, Message = "Cloudflare batch endpoint unavailable (code {Code}: {Reason}); applying record by record from now on, without transactions")]
    private partial void LogBatchUnavailable(string code, string reason);
}

namespace NeuroPilot.Edge.Dns.Cloudflare;

public sealed partial class CloudflareProvider
{
    // 5100 and 5103-5107 (requests, retries, 429s, budget) are logged by CloudflareTransport, 5108 (batch endpoint
    // missing) by BatchApplier, both under this type's category.

    [LoggerMessage(EventId = 5101, Level = LogLevel.Debug, Message = "Cloudflare read {Names} names: {Sets} record sets of {Records} records, {Pages} pages, {Requests} requests")]
    private partial void LogRead(int names, int sets, int records, int pages, int requests);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "Cloudflare applied {Changes} changes ({Deletes} deletes, {Patches} patches, {Posts} posts) in {Requests} requests, {Mode}")]
    private partial void LogApplied(int changes, int deletes, int patches, int posts, int requests, string mode);

    [LoggerMessage(EventId = 5109, Level = LogLevel.Warning, Message = "Cloudflare apply refused for {Name} {Type}: the zone is not in the state the plan was made against ({Detail}); nothing sent")]
    private partial void LogStateChanged(string name, string type, string detail);
}

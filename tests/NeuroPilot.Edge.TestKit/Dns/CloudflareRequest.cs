namespace NeuroPilot.Edge.Tests.TestKit.Dns;

/// <summary>
/// One HTTP request the <see cref="CloudflareEmulator"/> answered, in arrival order. <see cref="Route"/> is the path
/// template below <c>/client/v4</c> (<c>/zones/{zone_id}/dns_records/{dns_record_id}</c>), so counts do not depend on
/// ids; <see cref="ErrorCode"/> is the first error code of a failed answer (null on success or on an injected 5xx,
/// whose body is an HTML page as Cloudflare's edge sends).
/// </summary>
public sealed record CloudflareRequest(
    DateTimeOffset At,
    string Method,
    string Path,
    string Query,
    string Route,
    int StatusCode,
    int? ErrorCode)
{
    /// <summary><c>GET /zones/{zone_id}/dns_records</c>: the key of <see cref="CloudflareEmulator.RequestCounts"/>.</summary>
    public string Key => $"{Method} {Route}";

    public override string ToString() => $"{Method} {Path}{Query} -> {StatusCode}{(ErrorCode is { } code ? $" ({code})" : "")}";
}

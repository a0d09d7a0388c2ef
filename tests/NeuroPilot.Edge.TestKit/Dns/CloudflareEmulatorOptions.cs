namespace NeuroPilot.Edge.Tests.TestKit.Dns;

/// <summary>
/// How a <see cref="CloudflareEmulator"/> starts. The defaults are a Free-plan zone <c>example.com</c> with
/// Cloudflare's documented limits: 1,200 requests per 5 minutes per token, 200 records per batch.
/// </summary>
public sealed class CloudflareEmulatorOptions
{
    /// <summary>The zone's id in paths (<c>/zones/{ZoneId}/dns_records</c>); 32 hex digits by default, random.</summary>
    public string ZoneId { get; set; } = Guid.NewGuid().ToString("N");

    public string ZoneName { get; set; } = "example.com";

    /// <summary>A token allowed to read and write the zone's DNS records.</summary>
    public string Token { get; set; } = "emulator-token-" + Guid.NewGuid().ToString("N");

    /// <summary>A token allowed to read only: writes with it are refused with 10000 (HTTP 403).</summary>
    public string ReadOnlyToken { get; set; } = "emulator-read-only-token-" + Guid.NewGuid().ToString("N");

    /// <summary>Requests per token per <see cref="BudgetWindow"/>; the next one and all others until the window ends get 429.</summary>
    public int RequestBudget { get; set; } = 1_200;

    /// <summary>The budget's fixed window, which starts with a token's first request.</summary>
    public TimeSpan BudgetWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most operations (deletes + patches + puts + posts) one batch may hold.</summary>
    public int MaxBatchSize { get; set; } = 200;

    /// <summary>
    /// False to emulate an API without <c>POST dns_records/batch</c> (older or restricted deployments): the path is then
    /// a record path with id <c>batch</c>, and a POST to it is answered 405 with code 7001, as any unsupported method.
    /// </summary>
    public bool BatchEndpoint { get; set; } = true;

    /// <summary>The clock of the budget window and of record timestamps (a FakeTimeProvider drives it in unit tests).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

namespace NeuroPilot.Edge.Configuration;

public static class DnsDefaults
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DownHoldTime = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan UpHoldTime = TimeSpan.FromMinutes(1);
    public const double MaxChangeShare = 0.3;

    /// <summary>octoDNS' threshold: below this many managed records the change cap does not apply.</summary>
    public const int MinRecordsForChangeCap = 10;

    public const int Ttl = 60;
    public static readonly Uri CloudflareApiBaseUrl = new("https://api.cloudflare.com/client/v4");
    public const int CloudflareRequestsPerFiveMinutes = 240;
    public static readonly TimeSpan CloudflareRequestTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan Rfc2136Timeout = TimeSpan.FromSeconds(3);
}

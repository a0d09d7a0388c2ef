namespace NeuroPilot.Edge.Configuration;

/// <summary>The DNS pusher: which records follow which service's region health, where they are published, and the safety rules.</summary>
public sealed class DnsOptions
{
    /// <summary><c>cloudflare</c> or <c>rfc2136</c>.</summary>
    public required DnsProviderKind Provider { get; init; }

    /// <summary>Names this edge fleet in the ownership markers; records marked by another owner are never touched.</summary>
    public required string OwnerId { get; init; }

    /// <summary>How often the provider is read and the records reconciled even when nothing changed.</summary>
    public TimeSpan Interval { get; init; } = DnsDefaults.Interval;

    /// <summary>A region leaves DNS only after being down this long without interruption.</summary>
    public TimeSpan DownHoldTime { get; init; } = DnsDefaults.DownHoldTime;

    /// <summary>A region returns to DNS only after being usable this long without interruption.</summary>
    public TimeSpan UpHoldTime { get; init; } = DnsDefaults.UpHoldTime;

    /// <summary>Plan and log, change nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>
    /// The largest share of managed records one plan may change (octoDNS' 30%); a plan over it is refused until
    /// forced (<c>POST /admin/dns/force</c>). Only applies when at least <see cref="DnsDefaults.MinRecordsForChangeCap"/>
    /// records are managed.
    /// </summary>
    public double MaxChangeShare { get; init; } = DnsDefaults.MaxChangeShare;

    public required IReadOnlyList<DnsRecordOptions> Records { get; init; }

    public CloudflareOptions? Cloudflare { get; init; }

    public Rfc2136Options? Rfc2136 { get; init; }
}

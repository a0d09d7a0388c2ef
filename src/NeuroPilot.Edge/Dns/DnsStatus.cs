namespace NeuroPilot.Edge.Dns;

/// <summary>What <c>/admin/status</c> shows of the DNS pusher; an immutable snapshot replaced after every round.</summary>
public sealed record DnsStatus
{
    public static readonly DnsStatus Disabled = new() { State = DnsPusherState.Disabled };

    /// <summary>Spelled <c>disabled</c>, <c>starting</c>, <c>ok</c>, <c>failing</c>, <c>following</c>, <c>paused</c> (<see cref="DnsWireNames"/>).</summary>
    public required DnsPusherState State { get; init; }

    public string? Provider { get; init; }

    /// <summary>In a fleet: the edge that writes DNS, as last read (null: none known, or no fleet).</summary>
    public string? Leader { get; init; }

    /// <summary>In a fleet, while <see cref="DnsPusherState.Paused"/>: why (<c>fleet etcd unreachable</c>, <c>fleet etcd not reached yet</c>, <c>no fleet leader yet</c>).</summary>
    public string? PausedReason { get; init; }

    public string? OwnerId { get; init; }

    public bool DryRun { get; init; }

    public DateTimeOffset? LastAttemptAt { get; init; }

    /// <summary>The last round's result, the <c>result</c> label (success, unchanged, rate_limited...: <see cref="DnsWireNames"/>).</summary>
    public DnsRoundResult? LastResult { get; init; }

    /// <summary>The provider's error of the last failed round (code and message; never a secret).</summary>
    public string? LastError { get; init; }

    public DateTimeOffset? LastSuccessAt { get; init; }

    /// <summary>When changes were last applied.</summary>
    public DateTimeOffset? LastChangeAt { get; init; }

    /// <summary>The provider is not called before this instant (its Retry-After, our budget, or backoff).</summary>
    public DateTimeOffset? NextAttemptNotBefore { get; init; }

    /// <summary>The last plan (null before the first read of the provider).</summary>
    public DnsPlan? LastPlan { get; init; }

    /// <summary>Records kept at their last answer by the never-empty rule.</summary>
    public IReadOnlyList<string> NeverEmptyBlocked { get; init; } = [];

    /// <summary>Per region: live state as the health agent sees it, what DNS publishes, and since when the live state holds.</summary>
    public IReadOnlyList<DnsRegionStatus> Regions { get; init; } = [];
}

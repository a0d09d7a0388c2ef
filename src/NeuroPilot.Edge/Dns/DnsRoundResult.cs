namespace NeuroPilot.Edge.Dns;

/// <summary>
/// How a round ended: the <c>result</c> label of <c>neuropilot_edge_dns_pushes_total</c>, <c>last_result</c> in
/// <c>/admin/status</c> and the logs, all spelled by <see cref="DnsWireNames"/>.
/// </summary>
public enum DnsRoundResult
{
    /// <summary>Changes applied.</summary>
    Success,

    /// <summary>The provider already holds the plan: nothing to apply.</summary>
    Unchanged,

    /// <summary><c>DryRun</c>: the plan was logged, nothing applied.</summary>
    DryRun,

    /// <summary>The plan is over the change cap (<c>MaxChangeShare</c>): refused unless forced.</summary>
    Blocked,

    /// <summary><see cref="DnsProviderError.RateLimited"/>.</summary>
    RateLimited,

    /// <summary><see cref="DnsProviderError.Unavailable"/>.</summary>
    Unavailable,

    /// <summary><see cref="DnsProviderError.Unauthorized"/>.</summary>
    Unauthorized,

    /// <summary><see cref="DnsProviderError.StateChanged"/>.</summary>
    StateChanged,

    /// <summary><see cref="DnsProviderError.Rejected"/>.</summary>
    Rejected,

    /// <summary>Anything a provider (or the planner) should never have thrown, or a fault of the loop itself.</summary>
    Error,
}

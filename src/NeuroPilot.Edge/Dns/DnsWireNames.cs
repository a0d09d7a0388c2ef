using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Dns;

/// <summary>
/// The one spelling of the DNS pusher's states, results and provider names outside the process: <c>/admin/status</c>
/// JSON, log lines and metric labels. Users' dashboards and alerts match these strings: never change one.
/// </summary>
public static class DnsWireNames
{
    public static string ToWireName(this DnsPusherState state) => state switch
    {
        DnsPusherState.Disabled => "disabled",
        DnsPusherState.Starting => "starting",
        DnsPusherState.Ok => "ok",
        DnsPusherState.Failing => "failing",
        DnsPusherState.Following => "following",
        DnsPusherState.Paused => "paused",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static string ToWireName(this DnsRoundResult result) => result switch
    {
        DnsRoundResult.Success => "success",
        DnsRoundResult.Unchanged => "unchanged",
        DnsRoundResult.DryRun => "dry_run",
        DnsRoundResult.Blocked => "blocked",
        DnsRoundResult.RateLimited => "rate_limited",
        DnsRoundResult.Unavailable => "unavailable",
        DnsRoundResult.Unauthorized => "unauthorized",
        DnsRoundResult.StateChanged => "state_changed",
        DnsRoundResult.Rejected => "rejected",
        DnsRoundResult.Error => "error",
        _ => throw new ArgumentOutOfRangeException(nameof(result), result, null),
    };

    /// <summary>The <c>provider</c> label and <see cref="IDnsProvider.Name"/>: <c>cloudflare</c> or <c>rfc2136</c>.</summary>
    public static string ToWireName(this DnsProviderKind kind) => kind switch
    {
        DnsProviderKind.Cloudflare => "cloudflare",
        DnsProviderKind.Rfc2136 => "rfc2136",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The result of a round that failed with <paramref name="error"/>.</summary>
    public static DnsRoundResult ToRoundResult(this DnsProviderError error) => error switch
    {
        DnsProviderError.RateLimited => DnsRoundResult.RateLimited,
        DnsProviderError.Unavailable => DnsRoundResult.Unavailable,
        DnsProviderError.Unauthorized => DnsRoundResult.Unauthorized,
        DnsProviderError.StateChanged => DnsRoundResult.StateChanged,
        _ => DnsRoundResult.Rejected,
    };
}

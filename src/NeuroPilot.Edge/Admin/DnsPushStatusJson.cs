using System.Text.Json.Serialization;
using NeuroPilot.Edge.Dns;

namespace NeuroPilot.Edge.Admin;

/// <summary>The DNS pusher in <c>/admin/status</c> when a provider is configured; times are null until they happen.</summary>
/// <param name="LastResult">The <c>result</c> label of the last round (success, unchanged, rate_limited...).</param>
/// <param name="LastError">The provider's error of the last failed round (code and message; never a secret).</param>
/// <param name="NextAttemptNotBefore">The provider is not called before this instant.</param>
/// <param name="NeverEmptyBlocked">Whether the never-empty rule holds any record at its last answer.</param>
/// <param name="NeverEmptyRecords">The records it holds.</param>
/// <param name="LastPlan">Null before the first read of the provider.</param>
/// <param name="Leader">In a fleet: the edge that writes DNS (written only when known).</param>
/// <param name="PausedReason">In a fleet, while paused: why (written only then).</param>
public sealed record DnsPushStatusJson(
    string State,
    string Provider,
    string? OwnerId,
    bool DryRun,
    DateTimeOffset? LastAttemptAt,
    string? LastResult,
    string? LastError,
    DateTimeOffset? LastSuccessAt,
    DateTimeOffset? LastChangeAt,
    DateTimeOffset? NextAttemptNotBefore,
    bool NeverEmptyBlocked,
    IReadOnlyList<string> NeverEmptyRecords,
    IReadOnlyList<DnsRegionStatusJson> Regions,
    DnsPlanJson? LastPlan,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Leader = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PausedReason = null) : DnsStatusJson(State)
{
    /// <summary>The pusher's snapshot (<see cref="DnsStatus.Provider"/> set) with its state as written on the wire.</summary>
    public static DnsPushStatusJson From(DnsStatus dns, string state)
    {
        var regions = new DnsRegionStatusJson[dns.Regions.Count];
        for (var i = 0; i < regions.Length; i++)
        {
            regions[i] = DnsRegionStatusJson.From(dns.Regions[i]);
        }

        return new DnsPushStatusJson(
            state,
            dns.Provider!,
            dns.OwnerId,
            dns.DryRun,
            dns.LastAttemptAt,
            dns.LastResult?.ToWireName(),
            dns.LastError,
            dns.LastSuccessAt,
            dns.LastChangeAt,
            dns.NextAttemptNotBefore,
            dns.NeverEmptyBlocked.Count > 0,
            dns.NeverEmptyBlocked,
            regions,
            dns.LastPlan is { } plan ? DnsPlanJson.From(plan) : null,
            dns.Leader,
            dns.PausedReason);
    }
}

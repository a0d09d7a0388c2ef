using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns;

namespace NeuroPilot.Edge.Tests.Dns;

/// <summary>The strings users' dashboards and alerts match (<c>/admin/status</c>, logs, metric labels) never change.</summary>
public class DnsWireNamesTests
{
    [Fact]
    public void ToWireName_EveryStateResultAndProvider_IsTheNameDashboardsUse()
    {
        Assert.Equal(["disabled", "starting", "ok", "failing", "following", "paused"], Enum.GetValues<DnsPusherState>().Select(s => s.ToWireName()));
        Assert.Equal(
            ["success", "unchanged", "dry_run", "blocked", "rate_limited", "unavailable", "unauthorized", "state_changed", "rejected", "error"],
            Enum.GetValues<DnsRoundResult>().Select(r => r.ToWireName()));
        Assert.Equal(["cloudflare", "rfc2136"], Enum.GetValues<DnsProviderKind>().Select(k => k.ToWireName()));
    }

    [Theory]
    [InlineData(DnsProviderError.RateLimited, "rate_limited")]
    [InlineData(DnsProviderError.Unavailable, "unavailable")]
    [InlineData(DnsProviderError.Unauthorized, "unauthorized")]
    [InlineData(DnsProviderError.StateChanged, "state_changed")]
    [InlineData(DnsProviderError.Rejected, "rejected")]
    public void ToRoundResult_ProviderError_IsTheResultLabelOfTheFailedRound(DnsProviderError error, string label) =>
        Assert.Equal(label, error.ToRoundResult().ToWireName());
}

using Microsoft.Extensions.Logging;
using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Tests.Dns;

/// <summary>Status, metrics and log lines made from round outcomes.</summary>
public class DnsStatusProjectionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 0, 0, 0, TimeSpan.Zero);
    private static readonly DnsDesire Nothing = new([], []);

    private readonly EdgeMetrics _metrics = new(EdgeMetrics.CreateRegistry());
    private readonly CapturingLogger<DnsReconciler> _log = new();

    private static DnsOptions Options() => new() { Provider = DnsProviderKind.Rfc2136, OwnerId = "edge-fleet-1", Records = [] };

    private static DnsRoundOutcome Failed(string message, double atSeconds) =>
        DnsRoundOutcome.Failed("rfc2136", T0.AddSeconds(atSeconds), T0.AddSeconds(atSeconds), Nothing, new DnsProviderException("rfc2136", DnsProviderError.Unauthorized, message, "NOTAUTH"));

    private static DnsRoundOutcome Unchanged(double atSeconds) => new()
    {
        Result = DnsRoundResult.Unchanged, Provider = "rfc2136", StartedAt = T0.AddSeconds(atSeconds), FinishedAt = T0.AddSeconds(atSeconds), Desire = Nothing,
    };

    [Fact]
    public void RoundFinished_SameErrorTwiceThenRecovery_LogsEachChangeOnce_StatusAndMetricsUseTheWireNames()
    {
        var projection = new DnsStatusProjection(_log, _metrics);
        projection.Configured(Options(), Nothing);
        Assert.Equal((DnsPusherState.Starting, "rfc2136"), (projection.Current.State, projection.Current.Provider));

        projection.RoundFinished(Failed("key refused", 0), T0.AddSeconds(2));
        projection.RoundFinished(Failed("key refused", 2), T0.AddSeconds(6));
        var failing = projection.Current;
        projection.RoundFinished(Unchanged(6), null);

        Assert.Equal((DnsPusherState.Failing, DnsRoundResult.Unauthorized, "NOTAUTH: key refused", T0.AddSeconds(6)),
            (failing.State, failing.LastResult, failing.LastError, failing.NextAttemptNotBefore));
        Assert.Equal((DnsPusherState.Ok, DnsRoundResult.Unchanged, null, T0.AddSeconds(6)),
            (projection.Current.State, projection.Current.LastResult, projection.Current.LastError, projection.Current.LastSuccessAt));
        Assert.Equal(2, _metrics.DnsPushes.WithLabels("rfc2136", "unauthorized").Value);
        Assert.Equal(1, _metrics.DnsPushes.WithLabels("rfc2136", "unchanged").Value);
        Assert.Single(_log.Lines, l => l.Id.Id == 503 && l.Text.Contains("(unauthorized): NOTAUTH: key refused", StringComparison.Ordinal));
        Assert.Single(_log.Lines, l => l.Id.Id == 504 && l.Level == LogLevel.Information);
    }

    [Fact]
    public void Disabled_AfterRounds_StatusSaysDisabledWithNothingElse()
    {
        var projection = new DnsStatusProjection(_log, _metrics);
        projection.Configured(Options(), Nothing);
        projection.RoundFinished(Unchanged(0), null);

        projection.Disabled();

        Assert.Same(DnsStatus.Disabled, projection.Current);
    }
}

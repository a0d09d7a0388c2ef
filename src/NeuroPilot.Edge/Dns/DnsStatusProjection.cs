using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Telemetry;

namespace NeuroPilot.Edge.Dns;

/// <summary>
/// The DNS pusher as others see it, made from round outcomes: the <see cref="DnsStatus"/> of <c>/admin/status</c>,
/// the <c>neuropilot_edge_dns_*</c> metrics, and the log, one line per change (an error logged once until it changes,
/// never-empty and conflicts when they start and stop). Written by the reconciler's loop only; <see cref="Current"/>
/// is read from anywhere.
/// </summary>
public sealed partial class DnsStatusProjection
{
    private readonly ILogger _logger;
    private readonly EdgeMetrics _metrics;
    private DnsStatus _status = DnsStatus.Disabled;
    private string _lastNeverEmpty = "";
    private string _lastConflicts = "";
    private string? _lastError;

    /// <param name="logger">The reconciler's logger (its category names the DNS pusher in the logs).</param>
    /// <param name="metrics">Where pushes, durations, requests, never-empty and conflicts are counted.</param>
    public DnsStatusProjection(ILogger logger, EdgeMetrics metrics)
    {
        _logger = logger;
        _metrics = metrics;
    }

    public DnsStatus Current => Volatile.Read(ref _status);

    /// <summary>No DNS section: status says disabled.</summary>
    public void Disabled() => Publish(DnsStatus.Disabled);

    /// <summary>The configuration and hold-down state of this turn of the loop (before any round).</summary>
    public void Configured(DnsOptions options, DnsDesire desire)
    {
        var shown = Current;
        Publish(shown with
        {
            State = shown.State == DnsPusherState.Disabled ? DnsPusherState.Starting : shown.State,
            Provider = options.Provider.ToWireName(),
            OwnerId = options.OwnerId,
            DryRun = options.DryRun,
            Regions = desire.Regions,
        });
    }

    /// <summary>In a fleet, this edge leads: rounds run (a change from following or paused is logged once).</summary>
    public void Leading()
    {
        var shown = Current;
        _metrics.DnsPaused.Set(0);
        if (shown.State is DnsPusherState.Following or DnsPusherState.Paused)
        {
            LogLeading(shown.State.ToWireName());
            Publish(shown with { State = DnsPusherState.Starting, PausedReason = null, Leader = null });
        }
    }

    /// <summary>In a fleet, <paramref name="leader"/> writes DNS: no round here (logged once per leader).</summary>
    public void Following(string leader)
    {
        var shown = Current;
        _metrics.DnsPaused.Set(0);
        if (shown.State != DnsPusherState.Following || shown.Leader != leader)
        {
            LogFollowing(leader);
        }

        Publish(shown with { State = DnsPusherState.Following, Leader = leader, PausedReason = null, NextAttemptNotBefore = null });
    }

    /// <summary>In a fleet, no leader can be proven: DNS writing pauses (logged once per reason).</summary>
    public void Paused(string reason, string? detail)
    {
        var shown = Current;
        _metrics.DnsPaused.Set(1);
        if (shown.State != DnsPusherState.Paused || shown.PausedReason != reason)
        {
            LogPaused(reason, detail ?? "");
        }

        Publish(shown with { State = DnsPusherState.Paused, Leader = null, PausedReason = reason, NextAttemptNotBefore = null });
    }

    /// <summary>The fleet's quorum moved a region out of or back into what DNS may publish.</summary>
    public void QuorumMoved(string service, Fleet.FleetRegionAgreement agreement)
    {
        var decision = agreement.Decision == Fleet.FleetQuorumDecision.Down ? "down" : "up";
        _metrics.FleetQuorumDecisions.WithLabels(service, agreement.Region, decision).Inc();
        LogQuorumMoved(service, agreement.Region, decision, agreement.SeeUnusable, agreement.SeeUsable + agreement.SeeUnusable, agreement.Required);
    }

    /// <summary>A round ended: metrics, log lines for what changed, and the new status (<paramref name="notBefore"/>: when a failed round is retried).</summary>
    public void RoundFinished(DnsRoundOutcome outcome, DateTimeOffset? notBefore)
    {
        var provider = outcome.Provider;
        _metrics.DnsPushes.WithLabels(provider, outcome.Result.ToWireName()).Inc();
        _metrics.DnsPushDuration.WithLabels(provider).Observe(outcome.Duration.TotalSeconds);
        _metrics.DnsProviderRequests.WithLabels(provider).Inc(outcome.Requests);
        var status = Current with { LastAttemptAt = outcome.StartedAt, NeverEmptyBlocked = ReportNeverEmpty(outcome.Desire) };
        if (outcome.Plan is { } plan)
        {
            status = status with { LastPlan = plan };
            ReportConflicts(plan);
            ReportPlan(outcome, plan);
        }

        Publish(outcome.Succeeded ? Succeeded(status, outcome) : Failed(status, outcome, notBefore));
    }

    /// <summary>The loop itself faulted and is restarted after <paramref name="delay"/>: one log line, a count, status.</summary>
    public void LoopFaulted(int faults, Exception exception, TimeSpan delay, DateTimeOffset restartAt)
    {
        var error = $"the DNS loop faulted ({DnsRoundOutcome.Describe(exception)}); restarted in {delay.TotalSeconds:0.#} s";
        _metrics.DnsLoopRestarts.Inc();
        LogLoopFaulted(faults, DnsRoundOutcome.Describe(exception), delay.TotalSeconds);
        LogExceptionDetail(exception);
        Publish(Current with { State = DnsPusherState.Failing, LastResult = DnsRoundResult.Error, LastError = error, NextAttemptNotBefore = restartAt });
    }

    private DnsStatus Succeeded(DnsStatus status, DnsRoundOutcome outcome)
    {
        _metrics.DnsLastSuccess.WithLabels(outcome.Provider).Set(outcome.FinishedAt.ToUnixTimeMilliseconds() / 1000.0);
        if (_lastError is not null)
        {
            LogRecovered(outcome.Provider, _lastError);
            _lastError = null;
        }

        return status with
        {
            State = DnsPusherState.Ok,
            LastResult = outcome.Result,
            LastError = null,
            LastSuccessAt = outcome.FinishedAt,
            LastChangeAt = outcome.Result == DnsRoundResult.Success ? outcome.FinishedAt : status.LastChangeAt,
            NextAttemptNotBefore = null,
        };
    }

    private DnsStatus Failed(DnsStatus status, DnsRoundOutcome outcome, DateTimeOffset? notBefore)
    {
        if (outcome.Error != _lastError)
        {
            LogProviderFailed(outcome.Provider, outcome.Result.ToWireName(), outcome.Error!, outcome.RetryAfter?.TotalSeconds ?? 0);
            if (outcome.Unexpected is { } unexpected)
            {
                LogExceptionDetail(unexpected);
            }

            _lastError = outcome.Error;
        }

        return status with { State = DnsPusherState.Failing, LastResult = outcome.Result, LastError = outcome.Error, NextAttemptNotBefore = notBefore };
    }

    private void ReportPlan(DnsRoundOutcome outcome, DnsPlan plan)
    {
        switch (outcome.Result)
        {
            case DnsRoundResult.DryRun:
                LogDryRun(outcome.Provider, plan.Summary());
                break;
            case DnsRoundResult.Blocked:
                LogChangeCap(outcome.Provider, plan.OverChangeCap!, plan.Summary());
                break;
            case DnsRoundResult.Success:
                if (outcome.ServedAfter is { } served)
                {
                    _metrics.DnsServed.WithLabels(outcome.Provider).Observe(served.TotalSeconds);
                }

                LogPushed(outcome.Provider, plan.Summary(), outcome.ServedAfter is { } s ? $"{s.TotalMilliseconds:0} ms" : "not checked");
                break;
        }
    }

    /// <summary>Sets the never-empty gauge, logs a change of the held records once, and returns them for status.</summary>
    private IReadOnlyList<string> ReportNeverEmpty(DnsDesire desire)
    {
        var neverEmpty = desire.NeverEmpty();
        _metrics.DnsNeverEmptyBlocked.Set(neverEmpty.Count > 0 ? 1 : 0);
        var held = string.Join(", ", neverEmpty);
        if (held != _lastNeverEmpty)
        {
            if (held.Length > 0)
            {
                LogNeverEmpty(held);
            }
            else
            {
                LogNeverEmptyCleared();
            }

            _lastNeverEmpty = held;
        }

        return neverEmpty;
    }

    private void ReportConflicts(DnsPlan plan)
    {
        var conflicts = plan.Records.Where(r => r.Outcome == DnsRecordOutcome.Conflict).ToList();
        _metrics.DnsConflicts.Set(conflicts.Count);
        var text = string.Join("; ", conflicts.Select(c => $"{c.Name} {c.Type}: {c.Detail}"));
        if (text != _lastConflicts && text.Length > 0)
        {
            LogConflicts(conflicts.Count, text);
        }

        _lastConflicts = text;
    }

    private void Publish(DnsStatus status) => Volatile.Write(ref _status, status);
}

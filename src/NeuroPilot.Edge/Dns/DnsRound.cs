using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Dns;

/// <summary>
/// One reconciliation, as a function a test can call: region health through hold-down (<see cref="RegionHysteresis"/>)
/// to desired record sets (<see cref="Desire"/>), then the provider read, diffed (<see cref="DnsPlanner"/>) and the
/// difference applied (<see cref="RunAsync"/>), ending in a <see cref="DnsRoundOutcome"/>. No timers, no logs, no
/// metrics; no I/O but the <see cref="IDnsProvider"/> it is handed; it never throws but for a cancellation. What it
/// remembers between rounds: the hold-down state, which services have settled probe results, and the sets this edge
/// last stood behind (so twin edges of one owner id converge without flapping). Not thread-safe: one loop owns it.
/// </summary>
public sealed class DnsRound
{
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _startedAt;
    private readonly RegionHysteresis _hysteresis = new();
    private readonly HashSet<string> _settled = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Name, DnsRecordType Type), DnsRecordSet> _lastDesired = [];
    private bool _seeded;

    /// <param name="time">The clock of hold times; start-up is when the round is made.</param>
    public DnsRound(TimeProvider time)
    {
        _time = time;
        _startedAt = time.GetUtcNow();
    }

    /// <summary>The desired record sets now: live region state through hold-down, then the records' policies.</summary>
    public DnsDesire Desire(DnsOptions options, IReadOnlyList<DnsServiceHealth> services)
    {
        var now = _time.GetUtcNow();
        var views = new Dictionary<(string Service, string Region), RegionView>();
        var statuses = new List<DnsRegionStatus>();
        foreach (var service in services)
        {
            var settled = IsSettled(service, now);
            for (var i = 0; i < service.Regions.Count; i++)
            {
                var (region, live) = service.Regions[i];
                bool? published = settled ? _hysteresis.Observe(service.Name, region, live, now, options.DownHoldTime, options.UpHoldTime) : null;
                views[(service.Name, region)] = new RegionView(i, published, live);
                statuses.Add(new DnsRegionStatus(service.Name, region, live, published, _hysteresis.Describe(service.Name, region)?.Since));
            }
        }

        _hysteresis.Retain(views.Keys.ToHashSet());
        return new DnsDesire(DnsPlanner.Desire(options.Records, views), statuses);
    }

    /// <summary>When the next held region change falls due, or null.</summary>
    public DateTimeOffset? NextHoldChange(DnsOptions options) => _hysteresis.NextChange(options.DownHoldTime, options.UpHoldTime);

    /// <summary>True while a configured record's service waits for its first settled probe results.</summary>
    public bool IsSettling(DnsOptions options) => options.Records.Any(r => !_settled.Contains(r.Service));

    /// <summary>
    /// Reads the provider, plans against <paramref name="desire"/> and applies the plan unless it is empty, a dry run,
    /// or over the change cap without <paramref name="force"/>. Any exception but a cancellation of
    /// <paramref name="cancellationToken"/> is a failed outcome.
    /// </summary>
    public async Task<DnsRoundOutcome> RunAsync(
        DnsOptions options, IReadOnlyList<DnsServiceHealth> services, DnsDesire desire, IDnsProvider provider, bool force, CancellationToken cancellationToken)
    {
        var started = _time.GetUtcNow();
        var timestamp = _time.GetTimestamp();
        var requestsBefore = provider.RequestsSent;
        DnsRoundOutcome outcome;
        try
        {
            var current = await provider.ReadAsync(DnsOwnership.NamesToRead(options.Records), cancellationToken);
            if (!_seeded)
            {
                _seeded = true;
                if (HoldBackUnpublished(options, services, current))
                {
                    desire = Desire(options, services);
                }
            }

            var plan = DnsPlanner.Plan(desire.Records, current, options.OwnerId, options.MaxChangeShare, provider.EffectiveTtl, _lastDesired);
            var (result, servedAfter) = await ApplyAsync(options, plan, provider, force, cancellationToken);
            if (result is DnsRoundResult.Success or DnsRoundResult.Unchanged)
            {
                RememberDesired(plan);
            }

            outcome = new DnsRoundOutcome
            {
                Result = result, Provider = provider.Name, StartedAt = started, FinishedAt = _time.GetUtcNow(), Desire = desire, Plan = plan, ServedAfter = servedAfter,
            };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A provider error, or anything a provider (or the planner) should never have thrown: a failed round all
            // the same, never a loop that dies or spins.
            outcome = DnsRoundOutcome.Failed(provider.Name, started, _time.GetUtcNow(), desire, e);
        }

        return outcome with { Duration = _time.GetElapsedTime(timestamp), Requests = Math.Max(0, provider.RequestsSent - requestsBefore) };
    }

    private static async Task<(DnsRoundResult Result, TimeSpan? ServedAfter)> ApplyAsync(
        DnsOptions options, DnsPlan plan, IDnsProvider provider, bool force, CancellationToken cancellationToken)
    {
        if (plan.IsEmpty)
        {
            return (DnsRoundResult.Unchanged, null);
        }

        if (options.DryRun)
        {
            return (DnsRoundResult.DryRun, null);
        }

        if (plan.OverChangeCap is not null && !force)
        {
            return (DnsRoundResult.Blocked, null);
        }

        var applied = await provider.ApplyAsync(plan.Changes, cancellationToken);
        return (DnsRoundResult.Success, applied.ServedAfter);
    }

    /// <summary>
    /// A service's regions are published only once every destination has a settled probe result (the probe state agrees
    /// with the last probe), or after <see cref="DnsServiceHealth.SettleAfter"/>: a restart must not publish a region
    /// that is in fact down.
    /// </summary>
    private bool IsSettled(DnsServiceHealth service, DateTimeOffset now)
    {
        if (_settled.Contains(service.Name))
        {
            return true;
        }

        var settled = service.ProbesSettled || now - _startedAt >= service.SettleAfter;
        if (settled)
        {
            _settled.Add(service.Name);
        }

        return settled;
    }

    /// <summary>
    /// On the first read after start: a region whose values the provider does not publish now (under our marker) is
    /// held back for the up hold time, as if it had just come up; for <c>failover</c> only regions ahead of the one
    /// published. A restart during a hold must not cut it short. True when a region was held back.
    /// </summary>
    private bool HoldBackUnpublished(DnsOptions options, IReadOnlyList<DnsServiceHealth> services, IReadOnlyList<DnsRecordSet> current)
    {
        var now = _time.GetUtcNow();
        var heldBack = false;
        foreach (var record in options.Records)
        {
            var published = current.FirstOrDefault(s => s.Name == record.Name && s.Type == record.Type);
            var marker = current.FirstOrDefault(s => s.Name == DnsOwnership.MarkerName(record.Name, record.Type) && s.Type == DnsRecordType.TXT);
            var service = services.FirstOrDefault(s => s.Name == record.Service);
            if (published is null || service is null || !DnsOwnership.IsOwnedBy(marker, options.OwnerId))
            {
                continue;
            }

            // A set that holds none of the configured values is a config change, not a hold in progress.
            var ordered = record.Regions.OrderBy(r => Priority(service, r.Region)).ToList();
            if (!ordered.Any(r => r.Values.Any(published.Values.Contains)))
            {
                continue;
            }

            foreach (var (region, values) in ordered)
            {
                if (values.Any(published.Values.Contains))
                {
                    if (record.Policy == DnsPolicy.Failover)
                    {
                        break;
                    }

                    continue;
                }

                _hysteresis.HoldBack(record.Service, region, now);
                heldBack = true;
            }
        }

        return heldBack;
    }

    private static int Priority(DnsServiceHealth service, string region)
    {
        for (var i = 0; i < service.Regions.Count; i++)
        {
            if (service.Regions[i].Name == region)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>What this edge now stands behind per record: pushed, found in place, or kept from a twin (see <see cref="DnsPlanner.Plan"/>).</summary>
    private void RememberDesired(DnsPlan plan)
    {
        _lastDesired.Clear();
        foreach (var record in plan.Records)
        {
            if (record.Desired is { } set && record.Outcome is DnsRecordOutcome.Unchanged or DnsRecordOutcome.Create or DnsRecordOutcome.Update or DnsRecordOutcome.Held)
            {
                _lastDesired[(record.Name, record.Type)] = set;
            }
        }
    }
}

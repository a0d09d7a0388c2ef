using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Dns;

/// <summary>
/// The pure part of the DNS pusher: region state to desired record sets (<see cref="Desire"/>), and desired sets
/// against what the provider holds to a plan (<see cref="Plan"/>) that respects ownership and the change cap.
/// </summary>
public static class DnsPlanner
{
    /// <summary>
    /// The record set each configured record should publish: <c>failover</c> takes the values of the first published
    /// region in priority order, <c>all-healthy</c> those of every published region. None when no region qualifies
    /// (never-empty rule) or a region has not been probed yet.
    /// </summary>
    public static IReadOnlyList<DesiredRecord> Desire(
        IReadOnlyList<DnsRecordOptions> records,
        IReadOnlyDictionary<(string Service, string Region), RegionView> regions)
    {
        var desired = new List<DesiredRecord>(records.Count);
        foreach (var record in records)
        {
            var candidates = new List<(int Priority, string Region, IReadOnlyList<string> Values)>();
            var live = new HashSet<string>(StringComparer.Ordinal);
            string? unknown = null;
            foreach (var (region, values) in record.Regions)
            {
                if (!regions.TryGetValue((record.Service, region), out var view) || view.Published is null)
                {
                    unknown ??= region;
                    continue;
                }

                if (view.Published.Value)
                {
                    candidates.Add((view.Priority, region, values));
                }

                if (view.Live)
                {
                    live.UnionWith(values);
                }
            }

            if (unknown is not null)
            {
                desired.Add(new DesiredRecord(record, null, $"waiting for the first probes of region {unknown}") { LiveValues = live });
                continue;
            }

            if (candidates.Count == 0)
            {
                desired.Add(new DesiredRecord(record, null,
                    $"every region of service {record.Service} is down: keeping the published answer (never-empty rule)", NeverEmpty: true) { LiveValues = live });
                continue;
            }

            candidates.Sort((a, b) => a.Priority.CompareTo(b.Priority));
            var chosen = record.Policy == DnsPolicy.Failover ? candidates.Take(1) : candidates;
            var set = new DnsRecordSet(record.Name, record.Type, record.Ttl, chosen.SelectMany(c => c.Values));
            desired.Add(new DesiredRecord(record, set, null) { LiveValues = live });
        }

        return desired;
    }

    /// <summary>
    /// Diffs the desired sets with the provider's <paramref name="current"/> sets. A record set is changed only when
    /// its marker names <paramref name="ownerId"/>; a free name gets the set and its marker together; a name held
    /// by anything else is a conflict. When at least <see cref="DnsDefaults.MinRecordsForChangeCap"/> records are
    /// managed and the plan would replace more than <paramref name="maxChangeShare"/> of them, the plan is marked
    /// over the cap (the caller refuses it unless forced). <paramref name="effectiveTtl"/> is the provider's TTL rule
    /// (<see cref="IDnsProvider.EffectiveTtl"/>): a set is compared and written with the TTL the provider will hold.
    /// <para>
    /// Edges of one fleet (one owner id) converge without fighting: <paramref name="lastDesired"/> holds, per record,
    /// the set this edge last pushed or found in place. When its desired set is still that one, but the provider holds
    /// another set made only of values of regions usable here (a twin edge whose hold ran out first, or an operator),
    /// that set is kept: this edge writes again only when its own view changes, or when the set is unacceptable here
    /// (a value not configured, or of a region that is down here).
    /// </para>
    /// </summary>
    public static DnsPlan Plan(IReadOnlyList<DesiredRecord> desired, IReadOnlyList<DnsRecordSet> current, string ownerId, double maxChangeShare,
        Func<DnsRecordType, int, int> effectiveTtl, IReadOnlyDictionary<(string Name, DnsRecordType Type), DnsRecordSet>? lastDesired = null)
    {
        var byKey = new Dictionary<(string, DnsRecordType), DnsRecordSet>();
        foreach (var set in current)
        {
            byKey[(set.Name, set.Type)] = set;
        }

        var changes = new List<DnsChange>();
        var records = new List<DnsRecordPlan>(desired.Count);
        var managed = 0;
        var replaced = 0;
        foreach (var wanted in desired)
        {
            var want = wanted.Set is { } set ? wanted with { Set = new DnsRecordSet(set.Name, set.Type, effectiveTtl(set.Type, set.Ttl), set.Values) } : wanted;
            var options = want.Options;
            byKey.TryGetValue((options.Name, options.Type), out var existing);
            byKey.TryGetValue((DnsOwnership.MarkerName(options.Name, options.Type), DnsRecordType.TXT), out var marker);
            var ours = DnsOwnership.IsOwnedBy(marker, ownerId);
            if (ours && existing is not null)
            {
                managed++;
            }

            var record = Conflict(options, existing, marker, ours, current, byKey, ownerId) is { } conflict
                ? new DnsRecordPlan(options.Name, options.Type, DnsRecordOutcome.Conflict, conflict, existing, want.Set)
                : Decide(want, existing, marker is null, ownerId, effectiveTtl, lastDesired, changes);
            replaced += record.Outcome == DnsRecordOutcome.Update ? 1 : 0;
            records.Add(record);
        }

        var overCap = managed >= DnsDefaults.MinRecordsForChangeCap && replaced > maxChangeShare * managed;
        return new DnsPlan(changes, records, managed, overCap
            ? $"replaces {replaced} of {managed} managed records, over the {maxChangeShare:P0} cap (MaxChangeShare); force it with POST /admin/dns/force"
            : null);
    }

    /// <summary>Why the record's name is not ours to change (another owner's marker, records without our marker, a CNAME in the way), or null.</summary>
    private static string? Conflict(DnsRecordOptions options, DnsRecordSet? existing, DnsRecordSet? marker, bool ours, IReadOnlyList<DnsRecordSet> current,
        Dictionary<(string, DnsRecordType), DnsRecordSet> byKey, string ownerId)
    {
        if (marker is not null && !ours)
        {
            var foreign = marker.Values.Select(DnsOwnership.ReadOwner).FirstOrDefault(o => o is not null && o != ownerId);
            return foreign is not null
                ? $"owned by \"{foreign}\" (marker {marker.Name})"
                : $"{marker.Name} holds a TXT record that is not our marker";
        }

        if (!ours && existing is not null)
        {
            return $"held by a record without our marker: {existing}";
        }

        // A CNAME excludes every other type at its name, and the other way round.
        var blocking = options.Type == DnsRecordType.CNAME
            ? current.FirstOrDefault(s => s.Name == options.Name && s.Type is DnsRecordType.A or DnsRecordType.AAAA)
            : byKey.GetValueOrDefault((options.Name, DnsRecordType.CNAME));
        return blocking is not null ? $"held by {blocking}" : null;
    }

    /// <summary>What happens to a record that is ours (or free): held, created with its marker, kept from a twin, updated, or left unchanged.</summary>
    private static DnsRecordPlan Decide(DesiredRecord want, DnsRecordSet? existing, bool noMarker, string ownerId, Func<DnsRecordType, int, int> effectiveTtl,
        IReadOnlyDictionary<(string Name, DnsRecordType Type), DnsRecordSet>? lastDesired, List<DnsChange> changes)
    {
        var (name, type) = (want.Options.Name, want.Options.Type);
        if (want.Set is not { } set)
        {
            return new DnsRecordPlan(name, type, DnsRecordOutcome.Held, want.HeldReason ?? "", existing, null);
        }

        if (existing is null)
        {
            if (noMarker)
            {
                changes.Add(new DnsChange(null, DnsOwnership.Marker(name, type, ownerId, effectiveTtl(DnsRecordType.TXT, DnsOwnership.MarkerTtl))));
            }

            changes.Add(new DnsChange(null, set));
            return new DnsRecordPlan(name, type, DnsRecordOutcome.Create, "new", null, set);
        }

        if (existing.SameContent(set))
        {
            return new DnsRecordPlan(name, type, DnsRecordOutcome.Unchanged, "", existing, set);
        }

        if (lastDesired is not null && lastDesired.TryGetValue((name, type), out var last) && last.SameContent(set) &&
            existing.Values.Count > 0 && existing.Values.All(want.LiveValues.Contains))
        {
            return new DnsRecordPlan(name, type, DnsRecordOutcome.Held,
                "changed by another writer to values of regions usable here: kept until this edge's own view changes", existing, set);
        }

        changes.Add(new DnsChange(existing, set));
        return new DnsRecordPlan(name, type, DnsRecordOutcome.Update, "health changed", existing, set);
    }
}

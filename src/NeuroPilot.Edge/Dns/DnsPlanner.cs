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
            var type = options.Type;
            byKey.TryGetValue((options.Name, type), out var existing);
            byKey.TryGetValue((DnsOwnership.MarkerName(options.Name, type), DnsRecordType.TXT), out var marker);

            // A CNAME excludes every other type at its name, and the other way round.
            var blocking = type == DnsRecordType.CNAME
                ? current.FirstOrDefault(s => s.Name == options.Name && s.Type is DnsRecordType.A or DnsRecordType.AAAA)
                : byKey.GetValueOrDefault((options.Name, DnsRecordType.CNAME));

            var ours = DnsOwnership.IsOwnedBy(marker, ownerId);
            if (ours && existing is not null)
            {
                managed++;
            }

            string? conflict = null;
            if (marker is not null && !ours)
            {
                var foreign = marker.Values.Select(DnsOwnership.ReadOwner).FirstOrDefault(o => o is not null && o != ownerId);
                conflict = foreign is not null
                    ? $"owned by \"{foreign}\" (marker {marker.Name})"
                    : $"{marker.Name} holds a TXT record that is not our marker";
            }
            else if (!ours && existing is not null)
            {
                conflict = $"held by a record without our marker: {existing}";
            }
            else if (blocking is not null)
            {
                conflict = $"held by {blocking}";
            }

            if (conflict is not null)
            {
                records.Add(new DnsRecordPlan(options.Name, type, DnsRecordOutcome.Conflict, conflict, existing, want.Set));
                continue;
            }

            if (want.Set is null)
            {
                records.Add(new DnsRecordPlan(options.Name, type, DnsRecordOutcome.Held, want.HeldReason ?? "", existing, null));
                continue;
            }

            if (existing is null)
            {
                if (marker is null)
                {
                    changes.Add(new DnsChange(null, DnsOwnership.Marker(options.Name, type, ownerId, effectiveTtl(DnsRecordType.TXT, DnsOwnership.MarkerTtl))));
                }

                changes.Add(new DnsChange(null, want.Set));
                records.Add(new DnsRecordPlan(options.Name, type, DnsRecordOutcome.Create, "new", null, want.Set));
            }
            else if (!existing.SameContent(want.Set) && lastDesired is not null &&
                     lastDesired.TryGetValue((options.Name, type), out var last) && last.SameContent(want.Set) &&
                     existing.Values.Count > 0 && existing.Values.All(want.LiveValues.Contains))
            {
                records.Add(new DnsRecordPlan(options.Name, type, DnsRecordOutcome.Held,
                    "changed by another writer to values of regions usable here: kept until this edge's own view changes", existing, want.Set));
            }
            else if (!existing.SameContent(want.Set))
            {
                replaced++;
                changes.Add(new DnsChange(existing, want.Set));
                records.Add(new DnsRecordPlan(options.Name, type, DnsRecordOutcome.Update, "health changed", existing, want.Set));
            }
            else
            {
                records.Add(new DnsRecordPlan(options.Name, type, DnsRecordOutcome.Unchanged, "", existing, want.Set));
            }
        }

        var overCap = managed >= DnsDefaults.MinRecordsForChangeCap && replaced > maxChangeShare * managed;
        return new DnsPlan(changes, records, managed, overCap
            ? $"replaces {replaced} of {managed} managed records, over the {maxChangeShare:P0} cap (MaxChangeShare); force it with POST /admin/dns/force"
            : null);
    }
}

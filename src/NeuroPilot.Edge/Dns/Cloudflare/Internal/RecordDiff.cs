using System.Diagnostics.CodeAnalysis;
using NeuroPilot.Edge.Configuration;

namespace NeuroPilot.Edge.Dns.Cloudflare.Internal;

/// <summary>
/// The zone as the last read saw it (record sets with their record ids), and the diff of set-level changes against
/// it into record operations (<see cref="RecordOperations"/>): a value no longer wanted is deleted by id, a kept
/// record whose TTL or proxied flag differs is patched, a new value is posted. A change planned against another state
/// than the last read's, or at a name not read since the last apply, is refused (StateChanged) before anything is
/// sent. Thread-safe.
/// </summary>
internal sealed class RecordDiff(bool proxiedZone)
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _readNames = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Name, DnsRecordType Type), SeenRecordSet> _seen = [];

    /// <summary>1 (automatic) for a proxied A, AAAA or CNAME record, else <paramref name="ttl"/>.</summary>
    public int EffectiveTtl(DnsRecordType type, int ttl) => IsProxied(type) ? 1 : ttl;

    /// <summary>A read of <paramref name="names"/> found <paramref name="sets"/>: the state the next apply is checked against.</summary>
    public void Remember(IEnumerable<string> names, IEnumerable<SeenRecordSet> sets)
    {
        lock (_gate)
        {
            _readNames.Clear();
            _readNames.UnionWith(names);
            _seen.Clear();
            foreach (var set in sets)
            {
                _seen[(set.Set.Name, set.Set.Type)] = set;
            }
        }
    }

    /// <summary>An apply touched these changes' names: what was read of them may be stale, the next apply needs a new read.</summary>
    public void Forget(IEnumerable<DnsChange> changes)
    {
        lock (_gate)
        {
            foreach (var change in changes)
            {
                _readNames.Remove(change.Name);
                _seen.Remove((change.Name, change.Type));
            }
        }
    }

    /// <summary>Record operations per change; false and the refusal when a change does not apply to the last read.</summary>
    public bool TryTranslate(
        IReadOnlyList<DnsChange> changes, [NotNullWhen(true)] out List<RecordOperations>? operations, [NotNullWhen(false)] out ApplyRefusal? refused)
    {
        lock (_gate)
        {
            return TryTranslateLocked(changes, out operations, out refused);
        }
    }

    /// <summary>
    /// Record operations per change, from the ids of the last read; null and the refusal (StateChanged: nothing may
    /// be sent) when a change's <see cref="DnsChange.Before"/> is not what the last read saw.
    /// </summary>
    private bool TryTranslateLocked(
        IReadOnlyList<DnsChange> changes, [NotNullWhen(true)] out List<RecordOperations>? operations, [NotNullWhen(false)] out ApplyRefusal? refused)
    {
        operations = null;
        var result = new List<RecordOperations>(changes.Count);
        foreach (var change in changes)
        {
            ArgumentNullException.ThrowIfNull(change);
            if (change.Before is null && change.After is null)
            {
                throw CloudflareErrors.Failure(DnsProviderError.Rejected, "A DNS change with neither a before nor an after set cannot be applied.");
            }

            if (change is { Before: { } b, After: { } a } && (b.Name != a.Name || b.Type != a.Type))
            {
                throw CloudflareErrors.Failure(DnsProviderError.Rejected, $"A DNS change may not rename a record set ({b.Name} {b.Type} -> {a.Name} {a.Type}).");
            }

            if (!_readNames.Contains(change.Name))
            {
                refused = new ApplyRefusal(change.Name, change.Type.ToString(), "not read since the last apply", CloudflareErrors.Failure(DnsProviderError.StateChanged,
                    $"Cloudflare: {change.Name} {change.Type} was not read before this apply (or was changed by an apply since); read again and re-plan."));
                return false;
            }

            _seen.TryGetValue((change.Name, change.Type), out var seen);
            var matches = (change.Before, seen) switch
            {
                (null, null) => true,
                ({ } before, { } current) => before.SameContent(current.Set),
                _ => false,
            };
            if (!matches)
            {
                var planned = change.Before?.ToString() ?? "nothing";
                var read = seen?.Set.ToString() ?? "nothing";
                refused = new ApplyRefusal(change.Name, change.Type.ToString(), $"planned against {planned}, read {read}", CloudflareErrors.Failure(DnsProviderError.StateChanged,
                    $"Cloudflare: the plan for {change.Name} {change.Type} was made against {planned} but the last read saw {read}; read again and re-plan."));
                return false;
            }

            result.Add(Operations(change, seen?.Records ?? []));
        }

        operations = result;
        refused = null;
        return true;
    }

    private RecordOperations Operations(DnsChange change, IReadOnlyList<SeenRecord> current)
    {
        var operations = new RecordOperations();
        var wanted = change.After is null ? [] : new HashSet<string>(change.After.Values, StringComparer.Ordinal);
        var ttl = change.After is null ? 0 : EffectiveTtl(change.Type, change.After.Ttl);
        var proxied = IsProxied(change.Type);
        var kept = new HashSet<string>(StringComparer.Ordinal);
        foreach (var record in current)
        {
            // A value held twice (TXT quoted and unquoted) keeps one record.
            if (!wanted.Contains(record.Value) || !kept.Add(record.Value))
            {
                operations.Deletes.Add(record.Id);
            }
            else if (record.Ttl != ttl || record.Proxied != proxied)
            {
                operations.Patches.Add(new CloudflareRecordPatch { Id = record.Id, Ttl = ttl, Proxied = proxied });
            }
        }

        foreach (var value in change.After?.Values ?? [])
        {
            if (!kept.Contains(value))
            {
                operations.Posts.Add(new CloudflareRecordPost
                {
                    Name = change.Name,
                    Type = change.Type.ToString(),
                    Content = value,
                    Ttl = ttl,
                    Proxied = proxied,
                });
            }
        }

        return operations;
    }

    private bool IsProxied(DnsRecordType type) => proxiedZone && type is DnsRecordType.A or DnsRecordType.AAAA or DnsRecordType.CNAME;
}

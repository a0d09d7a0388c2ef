using NeuroPilot.Edge.Configuration;
using NeuroPilot.Edge.Dns;

namespace NeuroPilot.Edge.Tests.Dns;

/// <summary>
/// An in-memory zone behind <see cref="IDnsProvider"/>: reads can be made to fail or hang, every read is stamped with
/// <see cref="Clock"/>, every applied set is recorded in <see cref="Written"/>. Several edges may share one.
/// </summary>
internal sealed class InMemoryDnsProvider : IDnsProvider
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string, DnsRecordType), DnsRecordSet> _zone = [];
    private readonly List<DateTimeOffset> _reads = [];
    private readonly List<DnsRecordSet> _written = [];

    public TimeProvider Clock { get; set; } = TimeProvider.System;

    public Func<Exception>? ReadFailure { get; set; }

    public Task<IReadOnlyList<DnsRecordSet>>? ReadHang { get; set; }

    public string Name { get; } = DnsProviderKind.Cloudflare.ToWireName();

    public int RequestsSent { get; private set; }

    public IReadOnlyList<DateTimeOffset> Reads
    {
        get
        {
            lock (_gate)
            {
                return [.. _reads];
            }
        }
    }

    /// <summary>Every record set written (markers aside), in order.</summary>
    public IReadOnlyList<DnsRecordSet> Written
    {
        get
        {
            lock (_gate)
            {
                return [.. _written];
            }
        }
    }

    public int EffectiveTtl(DnsRecordType type, int ttl) => ttl;

    /// <summary>Puts a set in the zone as if written before (by this fleet, with <paramref name="owner"/>'s marker, or by hand when null).</summary>
    public void Seed(DnsRecordSet set, string? owner)
    {
        lock (_gate)
        {
            _zone[(set.Name, set.Type)] = set;
            if (owner is not null)
            {
                var marker = DnsOwnership.Marker(set.Name, set.Type, owner, DnsOwnership.MarkerTtl);
                _zone[(marker.Name, marker.Type)] = marker;
            }
        }
    }

    public IReadOnlyList<string> Values(string name, DnsRecordType type = DnsRecordType.A)
    {
        lock (_gate)
        {
            return _zone.TryGetValue((name, type), out var set) ? [.. set.Values] : [];
        }
    }

    public Task<IReadOnlyList<DnsRecordSet>> ReadAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _reads.Add(Clock.GetUtcNow());
            RequestsSent++;
            if (ReadHang is { } hang)
            {
                return hang;
            }

            if (ReadFailure?.Invoke() is { } failure)
            {
                throw failure;
            }

            return Task.FromResult<IReadOnlyList<DnsRecordSet>>([.. _zone.Values.Where(s => names.Contains(s.Name))]);
        }
    }

    public Task<DnsApplyResult> ApplyAsync(IReadOnlyList<DnsChange> changes, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            RequestsSent++;
            foreach (var change in changes)
            {
                if (change.After is { } after)
                {
                    _zone[(change.Name, change.Type)] = after;
                    if (after.Type != DnsRecordType.TXT)
                    {
                        _written.Add(after);
                    }
                }
                else
                {
                    _zone.Remove((change.Name, change.Type));
                }
            }
        }

        return Task.FromResult(new DnsApplyResult(1, null));
    }

    public void Dispose()
    {
    }
}

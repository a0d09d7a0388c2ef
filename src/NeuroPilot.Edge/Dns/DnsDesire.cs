namespace NeuroPilot.Edge.Dns;

/// <summary>What a round wants published now (<see cref="Records"/>), and per region the hold-down state behind it.</summary>
public sealed record DnsDesire(IReadOnlyList<DesiredRecord> Records, IReadOnlyList<DnsRegionStatus> Regions)
{
    /// <summary>The desired sets in one comparable string: a round is due when it changes.</summary>
    public string Key { get; } = string.Join('\n', Records.Select(d => d.Set?.ToString() ?? d.HeldReason));

    /// <summary>The records kept at their last answer by the never-empty rule (<c>name type</c>).</summary>
    public IReadOnlyList<string> NeverEmpty() => [.. Records.Where(d => d.NeverEmpty).Select(d => $"{d.Options.Name} {d.Options.Type}")];
}

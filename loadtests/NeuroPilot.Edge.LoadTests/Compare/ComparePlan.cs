using NeuroPilot.Edge.LoadTests.Peers;

namespace NeuroPilot.Edge.LoadTests.Compare;

/// <summary>What <c>compare</c> was asked to do, as given on the command line (checked against each other later).</summary>
internal sealed record ComparePlan
{
    public required double Rate { get; init; }

    public required TimeSpan Duration { get; init; }

    public required int Rounds { get; init; }

    /// <summary>The <c>--target NAME=URL</c> values, as given.</summary>
    public required IReadOnlyList<string> Targets { get; init; }

    public required IReadOnlyList<PeerDefinition> Peers { get; init; }

    public Uri? Upstream { get; init; }

    public string? PeersDirectory { get; init; }

    /// <summary>The <c>--pid NAME=PID[,PID...]</c> values: whose CPU is a target's cost, when not found by its socket.</summary>
    public IReadOnlyList<KeyValuePair<string, IReadOnlyList<int>>> ProcessIds { get; init; } = [];
}

using System.Text.Json.Nodes;
using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Spike;

/// <summary>What <c>drill spike</c> was asked to do, with the defaults filled in.</summary>
internal sealed record SpikePlan
{
    /// <summary>The full path of the neuropilot-edge binary.</summary>
    public required string Edge { get; init; }

    public required double Factor { get; init; }

    /// <summary>Baseline, spike, after.</summary>
    public required RatePhase[] Phases { get; init; }

    public required SpikeLimits Limits { get; init; }

    /// <summary>The <c>--config-extra</c> object merged over the generated config.</summary>
    public JsonObject? Extra { get; init; }

    public required int Clients { get; init; }

    public required int Upstreams { get; init; }

    public required string Path { get; init; }

    /// <summary>The admitted p99 (ms) a window must be within to count as recovered.</summary>
    public required double RecoveryP99Ms { get; init; }

    public required string Title { get; init; }
}

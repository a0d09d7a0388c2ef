using NeuroPilot.Edge.LoadTests.Budgets;
using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Reports;

/// <summary>A run and what it is judged against: the input of every report file.</summary>
internal sealed record RunReport
{
    /// <summary>The command that produced it: <c>run</c>, or <c>drill</c> for a failover or spike drill.</summary>
    public required string Command { get; init; }

    public required string Title { get; init; }

    public required Uri Target { get; init; }

    public required string Method { get; init; }

    public int BodySize { get; init; }

    public required int Connections { get; init; }

    public required RunResult Result { get; init; }

    public required IReadOnlyList<BudgetResult> Budgets { get; init; }

    /// <summary>What a failover drill measured (<c>drill failover</c> only).</summary>
    public Drill.DrillSummary? Drill { get; init; }

    /// <summary>What a spike drill measured (<c>drill spike</c> only).</summary>
    public Spike.SpikeSummary? Spike { get; init; }

    /// <summary>What a fleet drill measured (<c>drill fleet</c> only).</summary>
    public Fleet.FleetSummary? Fleet { get; init; }

    public bool Passed => BudgetEvaluator.AllPassed(Budgets);

    public DateTimeOffset GeneratedAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>The run's shape in one line: <c>GET http://... at 2,000 req/s for 20s (+2s warm-up), 64 connections</c>.</summary>
    public string Describe()
    {
        var profile = Result.Profile;
        var warmup = profile.Warmup > TimeSpan.Zero ? $" (+{DisplayFormat.Duration(profile.Warmup)} warm-up)" : "";
        var body = BodySize > 0 ? $", {DisplayFormat.Count(BodySize)}-byte body" : "";
        var load = profile.Phases.Count > 0
            ? $": {DisplayFormat.Phases(profile.Phases)}"
            : $" at {DisplayFormat.Rate(profile.Rate)} for {DisplayFormat.Duration(profile.Duration)}";
        return $"{Method} {Target}{load}{warmup}, {Connections} connections{body}";
    }
}

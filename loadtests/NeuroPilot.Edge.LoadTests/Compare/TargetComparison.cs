using HdrHistogram;
using NeuroPilot.Edge.LoadTests.Budgets;
using NeuroPilot.Edge.LoadTests.OpenModel;
using NeuroPilot.Edge.LoadTests.Platform;

namespace NeuroPilot.Edge.LoadTests.Compare;

/// <summary>The runs of one target across all rounds, merged, and its budgets against the baseline.</summary>
internal sealed class TargetComparison
{
    public TargetComparison(CompareTarget target, IReadOnlyList<RunResult> rounds, TargetProcesses? processes = null)
    {
        Target = target;
        Rounds = rounds;
        Processes = processes;
        Cpu = processes is null ? null : TargetCpu.Sum([.. rounds.Select(r => r.TargetCpu ?? new TargetCpu(null, r.Completed, "not measured"))]);
        var highest = rounds.Max(r => r.Latency.HighestTrackableValue);
        Latency = new LongHistogram(1, highest, 3);
        foreach (var round in rounds)
        {
            Latency.Add(round.Latency);
        }

        Scheduled = rounds.Sum(r => r.Scheduled);
        Failed = rounds.Sum(r => r.Failed);
        var sent = rounds.Sum(r => r.Sent);
        var late = rounds.Sum(r => r.Late);
        Ratios = new RatioFigures(Scheduled == 0 ? 0 : (double)Failed / Scheduled, sent == 0 ? 0 : (double)late / sent);
        RateAchieved = rounds.Average(r => r.RateAchieved);
        Summary = LatencySummary.From(Latency);
    }

    public CompareTarget Target { get; }

    /// <summary>The processes whose CPU is the target's cost (or why there are none); null when not looked for.</summary>
    public TargetProcesses? Processes { get; }

    /// <summary>The target's CPU over every round's measured window, per response across all rounds.</summary>
    public TargetCpu? Cpu { get; }

    public IReadOnlyList<RunResult> Rounds { get; }

    /// <summary>Latency of every round merged, in microseconds.</summary>
    public LongHistogram Latency { get; }

    public LatencySummary Summary { get; }

    public long Scheduled { get; }

    public long Failed { get; }

    public RatioFigures Ratios { get; }

    /// <summary>Mean of the rounds' achieved rates.</summary>
    public double RateAchieved { get; }

    /// <summary>Budgets against the baseline (empty for the baseline itself).</summary>
    public IReadOnlyList<BudgetResult> Budgets { get; set; } = [];
}

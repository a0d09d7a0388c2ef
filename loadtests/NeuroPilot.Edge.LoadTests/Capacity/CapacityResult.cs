using NeuroPilot.Edge.LoadTests.Budgets;

namespace NeuroPilot.Edge.LoadTests.Capacity;

/// <summary>A capacity ramp: its steps, and the highest rate that met the budgets.</summary>
internal sealed record CapacityResult
{
    public required Uri Target { get; init; }

    public required string Method { get; init; }

    public required int Connections { get; init; }

    public required IReadOnlyList<Budget> BudgetsGiven { get; init; }

    public required IReadOnlyList<CapacityStep> Steps { get; init; }

    public required double MaxRate { get; init; }

    public double? Required { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    /// <summary>The processes whose CPU each step read (or why there are none); null when not looked for.</summary>
    public Platform.TargetProcesses? Processes { get; init; }

    /// <summary>The highest rate met before the first failing step, or null when the first step failed.</summary>
    public double? Capacity => Steps.TakeWhile(s => s.Passed).LastOrDefault()?.Rate;

    /// <summary>True when every step passed: the capacity is at least the highest rate tried.</summary>
    public bool ReachedMax => Steps.Count > 0 && Steps.All(s => s.Passed);

    public bool Passed => Capacity is { } capacity && (Required is not { } required || capacity >= required);
}

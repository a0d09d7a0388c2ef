using NeuroPilot.Edge.LoadTests.Budgets;
using NeuroPilot.Edge.LoadTests.OpenModel;

namespace NeuroPilot.Edge.LoadTests.Capacity;

/// <summary>One step of a capacity ramp: a rate, its run, and whether it met the budgets and reached its rate.</summary>
internal sealed record CapacityStep(double Rate, RunResult Result, IReadOnlyList<BudgetResult> Budgets)
{
    /// <summary>Below 98% of the rate, the step did not really offer that load (the harness or the machine could not).</summary>
    public const double MinimumRateShare = 0.98;

    public bool RateReached => Result.RateAchieved >= Rate * MinimumRateShare;

    public bool Passed => RateReached && BudgetEvaluator.AllPassed(Budgets) && !Result.Interrupted;

    /// <summary>Why the step failed, for people; empty when it passed.</summary>
    public string Why()
    {
        var reasons = Budgets.Where(b => !b.Passed)
            .Select(b => $"{b.Budget.Figure.Name} {b.ActualDisplay} > {b.Budget.LimitDisplay}")
            .ToList();
        if (!RateReached)
        {
            reasons.Add($"sent only {Reports.DisplayFormat.Rate(Result.RateAchieved)}");
        }

        if (Result.Interrupted)
        {
            reasons.Add("interrupted");
        }

        return string.Join(", ", reasons);
    }
}

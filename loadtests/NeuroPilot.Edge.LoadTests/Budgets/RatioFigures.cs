namespace NeuroPilot.Edge.LoadTests.Budgets;

/// <summary>The ratio figures a budget can cap, from 0 to 1.</summary>
internal readonly record struct RatioFigures(double ErrorRate, double LateRate);

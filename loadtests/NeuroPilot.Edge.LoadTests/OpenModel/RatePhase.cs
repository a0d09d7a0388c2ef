namespace NeuroPilot.Edge.LoadTests.OpenModel;

/// <summary>
/// A named phase of a run whose rate changes (a spike drill: baseline, spike, after): requests per second for a
/// length of the measured window. See <see cref="LoadProfile.Phases"/>.
/// </summary>
internal sealed record RatePhase(string Name, double Rate, TimeSpan Duration);

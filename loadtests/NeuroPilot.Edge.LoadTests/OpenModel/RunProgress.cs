namespace NeuroPilot.Edge.LoadTests.OpenModel;

/// <summary>Counters of a run in progress (measured window only), for progress lines.</summary>
internal readonly record struct RunProgress(TimeSpan Elapsed, long Sent, long Succeeded, long Failed, long Late);

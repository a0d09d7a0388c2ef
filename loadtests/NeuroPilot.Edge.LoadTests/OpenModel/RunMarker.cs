namespace NeuroPilot.Edge.LoadTests.OpenModel;

/// <summary>
/// A labelled instant of a run (for example "primary stopped"), measured from the start of the measured window.
/// Reports draw markers as vertical lines on every chart over time.
/// </summary>
internal sealed record RunMarker(TimeSpan At, string Label);

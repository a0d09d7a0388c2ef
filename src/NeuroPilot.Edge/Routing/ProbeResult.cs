namespace NeuroPilot.Edge.Routing;

/// <summary>The outcome of one probe: healthy or not, how long it took, and a short description for status and logs.</summary>
public readonly record struct ProbeResult(bool Healthy, TimeSpan Duration, string Detail);

namespace NeuroPilot.Edge.LoadTests.OpenModel;

/// <summary>One stretch of a <see cref="RateSchedule"/>: a constant rate (requests per second) for a length of time.</summary>
internal readonly record struct RateSegment(double Rate, TimeSpan Length);

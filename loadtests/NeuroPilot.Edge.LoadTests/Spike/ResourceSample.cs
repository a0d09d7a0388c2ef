namespace NeuroPilot.Edge.LoadTests.Spike;

/// <summary>
/// One reading of the edge process: when (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), its resident memory
/// and high-water mark in bytes, and the CPU time (user + kernel) it had used so far in seconds.
/// </summary>
internal readonly record struct ResourceSample(long At, long RssBytes, long HighWaterBytes, double CpuSeconds);

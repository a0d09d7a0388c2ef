namespace NeuroPilot.Edge.LoadTests.Spike;

/// <summary>One resource sample of the edge for reports: seconds from the start of the measured window, RSS in bytes, CPU time used so far in seconds.</summary>
internal readonly record struct SpikeResourcePoint(double AtSeconds, long RssBytes, double CpuSeconds);

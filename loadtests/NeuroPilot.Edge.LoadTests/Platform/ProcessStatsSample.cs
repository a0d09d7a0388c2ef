namespace NeuroPilot.Edge.LoadTests.Platform;

/// <summary>One reading of a process: resident memory and its high-water mark in bytes, CPU time (user + kernel) in seconds.</summary>
internal readonly record struct ProcessStatsSample(long RssBytes, long HighWaterBytes, double CpuSeconds);

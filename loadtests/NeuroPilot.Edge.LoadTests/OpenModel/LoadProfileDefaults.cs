namespace NeuroPilot.Edge.LoadTests.OpenModel;

/// <summary>Defaults of <see cref="LoadProfile"/> and of the command line.</summary>
internal static class LoadProfileDefaults
{
    public static readonly TimeSpan Warmup = TimeSpan.Zero;
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan LateThreshold = TimeSpan.FromMilliseconds(1);
    public const int Connections = 64;

    /// <summary>Far above anything a single client should need on one machine; a typo guard.</summary>
    public const double MaxRate = 1_000_000;
    public const int MaxConnections = 10_000;
}

namespace NeuroPilot.Edge.Configuration;

/// <summary>The admin listener: health, readiness, metrics, status.</summary>
public sealed class AdminOptions
{
    public Uri Listen { get; init; } = EdgeDefaults.AdminListen;
}

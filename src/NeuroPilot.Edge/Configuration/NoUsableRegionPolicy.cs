namespace NeuroPilot.Edge.Configuration;

/// <summary>What a service does when no region is usable.</summary>
public enum NoUsableRegionPolicy
{
    /// <summary>Panic mode (Envoy's panic threshold): ignore health and try the regions in priority order.</summary>
    Panic,

    /// <summary>Answer 503 at once.</summary>
    FailClosed,
}

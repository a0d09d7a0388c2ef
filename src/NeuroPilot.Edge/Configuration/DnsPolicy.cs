namespace NeuroPilot.Edge.Configuration;

/// <summary>Which regions' addresses a record publishes.</summary>
public enum DnsPolicy
{
    /// <summary>The addresses of the first usable region in priority order.</summary>
    Failover,

    /// <summary>The addresses of every usable region.</summary>
    AllHealthy,
}

namespace NeuroPilot.Edge.Routing;

/// <summary>The last probe of a destination as shown by <c>/admin/status</c>.</summary>
public sealed record ProbeSnapshot(bool Healthy, ProbeResult Last, DateTimeOffset At, int ConsecutiveFailures, int ConsecutiveSuccesses) : IProbeRecord
{
    /// <summary>A snapshot is its own record.</summary>
    public ProbeSnapshot Snapshot() => this;
}

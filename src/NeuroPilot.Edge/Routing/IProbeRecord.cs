namespace NeuroPilot.Edge.Routing;

/// <summary>
/// Where a destination's last probe is read from (<see cref="DestinationState.LastProbe"/>): the probe target that
/// delivered it, which keeps its last result in place, so a probe makes no snapshot object that lives until the
/// next one (10,000 of them every 10 s were the garbage the GC kept promoting into gen2); or a fixed snapshot.
/// </summary>
public interface IProbeRecord
{
    /// <summary>The last probe, read consistently (null before the first).</summary>
    ProbeSnapshot? Snapshot();
}

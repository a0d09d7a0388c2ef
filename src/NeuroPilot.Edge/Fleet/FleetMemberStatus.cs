namespace NeuroPilot.Edge.Fleet;

/// <summary>Where an <see cref="EtcdFleetMember"/> stands: its connection to etcd, its lease (0: none), the last error while unreachable.</summary>
public sealed record FleetMemberStatus(FleetConnection State, long LeaseId, string? LastError);
